package dev.cohort.bench;

import static dev.cohort.bench.DetailSections.f;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The part of {@code cohort bench speed} that reflects separate machines ({@code --only nodes}):
 * MLP cohorts of K = 2 and 3, one peer per JVM, each JVM pinned to its own core
 * ({@link PinnedCohort}), independent against mutual learning at lookahead 0 and 1, every
 * configuration once per round, rounds interleaved; step times and CPU per thread group over the
 * epochs after the JIT compiler's warm-up. With variants (JVM options to compare), every round also
 * runs every configuration under each variant, right after the configuration as it is. Its section
 * of the report says what it measured.
 */
final class SeparateMachines {

  /** The configurations, run in this order in every round. */
  static final List<PinnedCohort> CONFIGS = List.of(
      new PinnedCohort("independent, K=2", "independent", 2, 0),
      new PinnedCohort("mutual, K=2", "dml", 2, 0),
      new PinnedCohort("mutual, lookahead 1, K=2", "dml", 2, 1),
      new PinnedCohort("independent, K=3", "independent", 3, 0),
      new PinnedCohort("mutual, K=3", "dml", 3, 0),
      new PinnedCohort("mutual, lookahead 1, K=3", "dml", 3, 1));

  /** The configurations as they are: no variant. */
  static final String AS_IS = "";
  /** The variant that runs each JVM in a network namespace of its own. */
  static final String NETNS = "netns";

  private final PinnedCohort.Setup setup;
  /** One more way to run every configuration: with more JVM options, or its JVMs in network namespaces. */
  record Variant(List<String> javaOptions, boolean netns) {}

  /** Variant name to what it changes, in the order they run. */
  private final Map<String, Variant> variants;
  /** Per variant ({@link #AS_IS} first), per configuration, one run per round. */
  private final Map<String, Map<PinnedCohort, List<PinnedCohort.Measured>>> measured = new LinkedHashMap<>();
  private final Map<PinnedCohort, RuntimeProfile> profiles = new LinkedHashMap<>();
  /** Per round: a solo peer's epoch in the runtime, and the same steps alone, medians in ms. */
  private final List<double[]> solo = new ArrayList<>();

  /** A solo peer: one JVM, no exchange, to weigh the runtime's own cost against its steps alone. */
  static final PinnedCohort SOLO = new PinnedCohort("solo peer", "independent", 1, 0);

  SeparateMachines(PinnedCohort.Setup setup, Map<String, Variant> variants) {
    this.setup = setup;
    this.variants = new LinkedHashMap<>();
    this.variants.put(AS_IS, new Variant(List.of(), false));
    this.variants.putAll(variants);
  }

  void run(Path runs, int rounds, String match) throws IOException, InterruptedException {
    NetworkNamespaces namespaces = variants.values().stream().anyMatch(Variant::netns)
        ? NetworkNamespaces.up("cbench", CONFIGS.stream().mapToInt(PinnedCohort::peers).max().orElse(2), "10.78.0")
        : null;
    try {
      rounds(runs, rounds, match, namespaces);
    } finally {
      if (namespaces != null) {
        namespaces.close();
      }
    }
  }

  private void rounds(Path runs, int rounds, String match, NetworkNamespaces namespaces)
      throws IOException, InterruptedException {
    for (int round = 1; round <= rounds; round++) {
      System.out.println(" round " + round);
      for (PinnedCohort config : CONFIGS) {
        if (!java.util.regex.Pattern.compile(match).matcher(config.label()).find()) {
          continue;
        }
        for (Map.Entry<String, Variant> variant : variants.entrySet()) {
          String id = "pinned-r" + round + "-" + config.topology() + config.peers() + "-d" + config.lookahead()
              + (variant.getKey().isEmpty() ? "" : "-" + variant.getKey());
          List<String> options = new ArrayList<>(setup.javaOptions());
          options.addAll(variant.getValue().javaOptions());
          PinnedCohort.Setup with = setup.with(options, setup.jfrSettings(), variant.getValue().netns() ? namespaces : null);
          measured.computeIfAbsent(variant.getKey(), v -> new LinkedHashMap<>())
              .computeIfAbsent(config, c -> new ArrayList<>()).add(config.run(runs, id, round, with));
        }
      }
      if (java.util.regex.Pattern.compile(match).matcher(SOLO.label()).find()) {
        solo.add(soloRound(runs, round));
      }
    }
  }

  /**
   * A solo peer's epochs in the runtime (one pinned JVM) and, in another fresh JVM pinned to the
   * same core, the same steps alone ({@link StepAlone}); medians over the measured epochs.
   */
  private double[] soloRound(Path runs, int round) throws IOException, InterruptedException {
    PinnedCohort.Measured inRuntime = SOLO.run(runs, "pinned-r" + round + "-solo", round, setup);
    double runtimeEpoch = Stats.median(inRuntime.figures().epochMillis(setup.fromEpoch()));
    Path log = runs.resolve("pinned-r" + round + "-alone.log");
    Process alone = PinnedCohort.start(0, setup, null, List.of("bench", "step-alone",
        "--steps", String.valueOf(setup.stepsPerEpoch()), "--epochs", String.valueOf(setup.epochs()),
        "--seed", String.valueOf(round)), log, "127.0.0.1");
    if (!alone.waitFor(15, java.util.concurrent.TimeUnit.MINUTES) || alone.exitValue() != 0) {
      alone.destroyForcibly();
      throw new IllegalStateException("the steps alone failed or hung; see " + log);
    }
    List<Double> aloneEpochs = new ArrayList<>();
    for (String line : java.nio.file.Files.readAllLines(log)) {
      String[] words = line.trim().split(" ");
      if (words.length == 4 && words[0].equals("epoch") && Integer.parseInt(words[1]) >= setup.fromEpoch()) {
        aloneEpochs.add(Double.parseDouble(words[3]));
      }
    }
    double aloneEpoch = Stats.median(aloneEpochs);
    System.out.printf(Locale.ROOT, "  %-48s %7.0f ms/epoch in the runtime, %7.0f ms alone: %.3f%n", "solo peer",
        runtimeEpoch, aloneEpoch, runtimeEpoch / aloneEpoch);
    return new double[] {runtimeEpoch, aloneEpoch};
  }

  /** Median over the rounds of (a solo peer's epoch in the runtime / its steps alone). */
  double soloRatio() {
    return solo.isEmpty() ? Double.NaN : Stats.median(solo.stream().map(r -> r[0] / r[1]).toList());
  }

  /**
   * One more run of each K = 2 configuration with a flight recording in every JVM
   * ({@link RuntimeProfile}); not among the timed rounds, as recording costs time itself.
   */
  void profile(Path runs, String match) throws IOException, InterruptedException {
    System.out.println(" profiles (flight recordings in every JVM)");
    Path settings = RuntimeProfile.writeSettings(runs.resolve("runtime-profile.jfc"));
    PinnedCohort.Setup recorded = setup.with(setup.javaOptions(), settings, null);
    for (PinnedCohort config : CONFIGS) {
      if (config.peers() != 2 || !java.util.regex.Pattern.compile(match).matcher(config.label()).find()) {
        continue;
      }
      String id = "profile-" + config.topology() + config.peers() + "-d" + config.lookahead();
      PinnedCohort.Measured run = config.run(runs, id, 1, recorded);
      profiles.put(config, RuntimeProfile.read(run.recordings(), run.figures().window()));
    }
  }

  /** Predictions a peer needed and never got, over every run of this part. */
  long teacherTimeouts() {
    return measured.values().stream().flatMap(m -> m.values().stream()).flatMap(List::stream)
        .mapToLong(m -> m.figures().teacherTimeouts()).sum();
  }

  boolean isEmpty() {
    return measured.isEmpty() && solo.isEmpty();
  }

  /** Median over the rounds of (mutual at {@code lookahead} / independent), K peers, within each round. */
  double ratio(int peers, int lookahead) {
    return ratio(AS_IS, peers, lookahead);
  }

  double ratio(String variant, int peers, int lookahead) {
    List<PinnedCohort.Measured> mutual = find(variant, "dml", peers, lookahead);
    List<PinnedCohort.Measured> alone = find(variant, "independent", peers, 0);
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < Math.min(mutual.size(), alone.size()); i++) {
      ratios.add(mutual.get(i).figures().meanStepMillis() / alone.get(i).figures().meanStepMillis());
    }
    return ratios.isEmpty() ? Double.NaN : Stats.median(ratios);
  }

  private List<PinnedCohort.Measured> find(String variant, String topology, int peers, int lookahead) {
    return measured.getOrDefault(variant, Map.of()).entrySet().stream()
        .filter(e -> e.getKey().topology().equals(topology) && e.getKey().peers() == peers
            && e.getKey().lookahead() == lookahead)
        .findFirst().map(Map.Entry::getValue).orElse(List.of());
  }

  /** The summary's rows: the targets of separate machines. */
  void summary(StringBuilder md) {
    if (isEmpty()) {
      return;
    }
    row(md, "per-peer step, mutual / independent, MLP, K = 2, JVMs pinned to their own cores, lookahead 1", "≤ 1.15",
        ratio(2, 1));
    row(md, "the same, lookahead 0", "≤ 1.30", ratio(2, 0));
    row(md, "the same, K = 3, lookahead 1 / lookahead 0" + sharing(3), "—", ratio(3, 1), ratio(3, 0));
    row(md, "a solo peer's epoch in the runtime / its steps alone × steps, one pinned JVM", "≤ 1.15", soloRatio());
    if (measured.containsKey(NETNS)) {
      row(md, "mutual / independent over network namespaces (veth links), over the same on loopback, K = 2,"
          + " lookahead 1 / lookahead 0", "≤ 1.10", ratio(NETNS, 2, 1) / ratio(2, 1), ratio(NETNS, 2, 0) / ratio(2, 0));
    }
  }

  private static void row(StringBuilder md, String what, String target, double... values) {
    String measuredText = String.join(" / ", java.util.Arrays.stream(values).mapToObj(v -> f(v, "%.3f")).toList());
    String met = !target.startsWith("≤") || Double.isNaN(values[0]) ? ""
        : values[0] <= Double.parseDouble(target.substring(2)) ? "yes" : "**no**";
    md.append("| ").append(what).append(" | ").append(target).append(" | ").append(measuredText).append(" | ")
        .append(met).append(" |\n");
  }

  private String sharing(int jvms) {
    return jvms > setup.cores().size() ? " (" + jvms + " JVMs on " + setup.cores().size() + " cores: some share one)" : "";
  }

  void section(StringBuilder md) {
    if (isEmpty()) {
      return;
    }
    md.append("## 6. Separate machines: one peer per JVM, each JVM pinned to its own core\n\n")
        .append("Each peer in a JVM of its own, started fresh and pinned with `taskset -c` to core ")
        .append("`jvm mod cores` (cores ").append(setup.cores()).append("), as one-core machines would run it; the first JVM ")
        .append("also hosts the coordinator; Artery over loopback. ").append(setup.epochs()).append(" epochs of ")
        .append(setup.stepsPerEpoch()).append(" MLP steps; figures over epochs ").append(setup.fromEpoch()).append(" to ")
        .append(setup.epochs()).append(" only (before that, the JIT compiler of a one-core JVM still takes a large")
        .append(" share of its core), each epoch's first report window left out. `ms / step`: median over the")
        .append(" rounds of the mean over peers of each peer's median step. CPU columns: ms of CPU per step per JVM")
        .append(" by thread group, from `/proc/PID/task/*/stat` read every second (every thread, Java or not), each JVM over the whole seconds within its peer's measured window, steps interpolated between reports, so each epoch's end (evaluation, checkpoint) is in the CPU and not in `ms / step`:")
        .append(" trainer; Artery (the remote dispatcher running Artery's streams, and the TCP selector); Pekko")
        .append(" dispatchers (default, internal, the scheduler); JIT (C1, C2); GC (on one core the JVM picks the")
        .append(" serial collector, which runs in the VM thread). `switches`: context switches per step per JVM of")
        .append(" the Artery and dispatcher threads, voluntary (blocked, then woken) + involuntary (preempted).")
        .append(setup.javaOptions().isEmpty() ? "" : " JVM options: `" + String.join(" ", setup.javaOptions()) + "`.")
        .append(variants.size() == 1 ? "" : " Variants, run right after each configuration as it is in every round: "
            + String.join("; ", variants.entrySet().stream().skip(1)
                .map(v -> "`[" + v.getKey() + "]` " + (v.getValue().netns()
                    ? "each JVM in a network namespace of its own (`deploy/netns/cohort-netns`: own address, veth link to"
                        + " a bridge), Artery over those links"
                    : "`" + String.join(" ", v.getValue().javaOptions()) + "`")).toList()) + ".")
        .append("\n\n| configuration | rounds | ms / step | wait | trainer | Artery | dispatchers | JIT | GC | switches |\n")
        .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    measured.forEach((variant, configs) -> configs.forEach((config, runs) -> {
      md.append("| ").append(config.label()).append(sharing(config.peers()))
          .append(variant.isEmpty() ? "" : " [" + variant + "]").append(" | ").append(runs.size())
          .append(" | ").append(f(med(runs, m -> m.figures().meanStepMillis()), "%.2f"))
          .append(" | ").append(f(100 * med(runs, m -> m.figures().waitShare()), "%.1f %%"));
      for (ThreadCpu.Group group : List.of(ThreadCpu.Group.TRAINER, ThreadCpu.Group.ARTERY, ThreadCpu.Group.DISPATCHERS,
          ThreadCpu.Group.JIT, ThreadCpu.Group.GC)) {
        md.append(" | ").append(f(med(runs, m -> m.cpuMillisPerStep(group)), "%.2f"));
      }
      md.append(" | ").append(f(med(runs, m -> m.switchesPerStep(ThreadCpu.Group.ARTERY, true)
          + m.switchesPerStep(ThreadCpu.Group.DISPATCHERS, true)), "%.1f")).append(" + ")
          .append(f(med(runs, m -> m.switchesPerStep(ThreadCpu.Group.ARTERY, false)
              + m.switchesPerStep(ThreadCpu.Group.DISPATCHERS, false)), "%.1f")).append(" |\n");
    }));
    md.append('\n');
    for (String variant : measured.keySet()) {
      md.append("Mutual / independent").append(variant.isEmpty() ? "" : " [" + variant + "]")
          .append(", median over the rounds of the ratio within each round: K = 2 lookahead 0 ")
          .append(f(ratio(variant, 2, 0), "%.3f")).append(", lookahead 1 ").append(f(ratio(variant, 2, 1), "%.3f"))
          .append("; K = 3 lookahead 0 ").append(f(ratio(variant, 3, 0), "%.3f")).append(", lookahead 1 ")
          .append(f(ratio(variant, 3, 1), "%.3f")).append(".\n\n");
    }
    if (!solo.isEmpty()) {
      md.append("A solo peer (one JVM pinned to core ").append(setup.cores().get(0)).append(", no exchange): its epoch")
          .append(" in the runtime (from one epoch's end to the next: steps, the gate, the mailbox, reports,")
          .append(" evaluation on the validation split, the epoch's checkpoint) against the same number of steps alone")
          .append(" (`cohort bench step-alone`: the same network and step, batches of the same schedule, in a fresh JVM")
          .append(" pinned to the same core, right after), medians over epochs ").append(setup.fromEpoch()).append(" to ")
          .append(setup.epochs()).append(": ");
      for (int i = 0; i < solo.size(); i++) {
        md.append(i == 0 ? "" : "; ").append("round ").append(i + 1).append(" ").append(f(solo.get(i)[0], "%.0f"))
            .append(" ms against ").append(f(solo.get(i)[1], "%.0f")).append(" ms");
      }
      md.append("; ratio (median over the rounds) ").append(f(soloRatio(), "%.3f")).append(".\n\n");
    }
    profileSection(md);
  }

  /** What the flight recordings say, configuration by configuration. */
  private void profileSection(StringBuilder md) {
    if (profiles.isEmpty()) {
      return;
    }
    md.append("### Flight recordings of the K = 2 runs\n\n")
        .append("One more run of each configuration with JFR in both JVMs (the JDK's `profile` settings and Artery's")
        .append(" per-frame TCP events), over the same epochs. Samples: `jdk.ExecutionSample` of the Pekko threads")
        .append(" (dispatchers and Artery), by what their stack shows. Allocation: `jdk.ObjectAllocationSample` weights,")
        .append(" bytes per step per JVM. Frames: Artery TCP frames sent per step per JVM. Wire: a teacher's trainer")
        .append(" handing a batch's predictions to Pekko to their arrival in the student's inbox on the other JVM")
        .append(" (Cohort's `dev.cohort.PredictionSent` / `PredictionArrived` events, one machine's clock). Wake-up: their")
        .append(" arrival to the waiting trainer having taken them (`dev.cohort.TeacherWait`), for waits they ended.\n\n")
        .append("| configuration | Pekko samples | allocated / step: trainer, Artery, dispatchers | frames / step | GC pause / step |")
        .append(" wire µs (median, p90) | wake-up µs (median, p90) | wait µs (median) |\n")
        .append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    profiles.forEach((config, p) -> {
      int total = p.pekkoSamples().values().stream().mapToInt(Integer::intValue).sum();
      String top = String.join("; ", p.pekkoSamples().entrySet().stream()
          .sorted((a, b) -> b.getValue() - a.getValue()).limit(5)
          .map(e -> e.getKey() + " " + Math.round(100.0 * e.getValue() / Math.max(1, total)) + " %").toList());
      md.append("| ").append(config.label()).append(" | ").append(total).append(": ").append(top).append(" | ")
          .append(kb(p.allocatedBytesPerStep().get(ThreadCpu.Group.TRAINER))).append(", ")
          .append(kb(p.allocatedBytesPerStep().get(ThreadCpu.Group.ARTERY))).append(", ")
          .append(kb(p.allocatedBytesPerStep().get(ThreadCpu.Group.DISPATCHERS))).append(" | ")
          .append(f(p.framesPerStep(), "%.1f")).append(" (").append(f(p.frameBytesPerStep() / 1024, "%.1f KiB")).append(") | ")
          .append(f(p.gcPauseMillisPerStep(), "%.3f ms")).append(" | ")
          .append(quantiles(p.wireMicros())).append(" | ").append(quantiles(p.wakeUpMicros())).append(" | ")
          .append(p.waitMicros().isEmpty() ? "—" : f(Stats.median(p.waitMicros()), "%.0f")).append(" |\n");
    });
    md.append('\n');
  }

  private static String kb(Double bytes) {
    return bytes == null ? "0" : f(bytes / 1024, "%.0f KiB");
  }

  private static String quantiles(List<Double> micros) {
    return micros.isEmpty() ? "—" : f(Stats.median(micros), "%.0f") + ", " + f(Stats.quantile(micros, 0.9), "%.0f");
  }

  private static double med(List<PinnedCohort.Measured> runs, ToDoubleFunction<PinnedCohort.Measured> value) {
    return Stats.median(runs.stream().map(value::applyAsDouble).toList());
  }
}
