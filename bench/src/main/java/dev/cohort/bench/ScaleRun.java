package dev.cohort.bench;

import com.typesafe.config.Config;
import dev.cohort.actors.launch.ChildNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One configuration of the scale harness: K light peers (MLP 64-32-8 on synthetic data, so that
 * the runtime, not the arithmetic, is what is measured) on N node JVMs of this machine, each a
 * fresh process hosting K / N peers ({@code COHORT_SLOTS}), with the heap and collector the setup
 * gives, talking Artery over loopback. The first JVM is the launcher ({@code cohort run --spawn
 * 0}: coordinator and dashboard, and its share of peers); the others are {@code cohort node}s that
 * exit with the run. While it runs, {@link ResidentMemory} and {@link ThreadCpu} sample every JVM
 * and a {@link DashboardProbe} watches the dashboard.
 */
record ScaleRun(String topology, int peers, int jvms, int kill) {

  /**
   * @param kill node JVMs (never the launcher's) SIGKILLed at once when every peer is halfway
   *     through the run; 0: none. With kills, peers checkpoint every {@link #CHECKPOINT_EVERY}
   *     steps and each JVM has room for its share of the lost peers.
   */
  ScaleRun {
    if (peers < 2 || jvms < 1 || jvms > peers || peers % jvms != 0) {
      throw new IllegalArgumentException("a scale configuration needs K ≥ 2 peers spread evenly over 1 ≤ N ≤ K JVMs;"
          + " found K = " + peers + ", N = " + jvms);
    }
    if (kill < 0 || kill >= jvms) {
      throw new IllegalArgumentException("the JVMs killed must be fewer than the " + jvms + " JVMs (the launcher's"
          + " is never killed); found " + kill);
    }
  }

  ScaleRun(String topology, int peers, int jvms) {
    this(topology, peers, jvms, 0);
  }

  /** Steps between a peer's checkpoints in a run with kills (without: none). */
  static final int CHECKPOINT_EVERY = 20;

  /**
   * How every configuration runs.
   *
   * @param javaOptions each JVM's options before the class path (heap, collector)
   * @param stepsPerEpoch batches of {@code batchSize} examples per epoch
   * @param fromEpoch rates count from this epoch on (the ones before: JIT warm-up)
   * @param limit how long a run may take before the harness gives up on it
   * @param overrides settings ({@code cohort.…}) over every run's cohort file ({@code --set})
   * @param coordinatorFirst the node JVMs run at {@code nice 10}, so that the launcher's (coordinator,
   *     dashboard and its own peers) gets the cores first, standing in for a coordinator on a
   *     machine of its own
   */
  record Setup(List<String> javaOptions, int epochs, int stepsPerEpoch, int batchSize, int fromEpoch, int seed,
      int randomK, Duration apiEvery, Duration limit, boolean coordinatorFirst, Config overrides) {}

  /** What the harness measured of one run, besides what the run's own files say. */
  /**
   * @param cpuPerSecond per thread group, the CPU seconds per second the JVMs used together while
   *     the counted reports were written (2.0: both of two cores busy); {@link #cpuMicrosPerMessage}
   *     sets them against the messages moved per second
   * @param faults with kills, what the run recorded of its recovery; else null
   */
  record Measured(ScaleRun run, ScaleFigures figures, List<Double> apiMillis, long apiFailures,
      List<Double> sseLagMillis, int sseUpdates, List<Double> residentMegabytes,
      Map<ThreadCpu.Group, Double> cpuPerSecond, FaultFigures faults) {

    /** A group's CPU per prediction message moved, in µs (the trainer's includes the steps' arithmetic). */
    double cpuMicrosPerMessage(ThreadCpu.Group group) {
      return 1e6 * cpuPerSecond.getOrDefault(group, Double.NaN) / figures.messagesPerSecond();
    }

    double cpuMicrosPerMessage() {
      return 1e6 * cpuPerSecond.values().stream().mapToDouble(Double::doubleValue).sum() / figures.messagesPerSecond();
    }
  }

  int peersPerJvm() {
    return peers / jvms;
  }

  /** Slots of each JVM: its peers, and with kills its share of the lost ones (rounded up). */
  int slotsPerJvm() {
    return peersPerJvm() + (kill == 0 ? 0 : (peersPerJvm() * kill + jvms - kill - 1) / (jvms - kill));
  }

  String label() {
    return String.format(Locale.ROOT, "%s K=%d on %d JVM%s%s", topology, peers, jvms, jvms == 1 ? "" : "s",
        kill == 0 ? "" : ", " + kill + " SIGKILLed");
  }

  Measured run(Path runs, String runId, Setup setup) throws IOException, InterruptedException {
    Path file = writeCohortFile(runs, runId, setup);
    int port = PinnedCohort.freePort();
    List<Process> processes = new ArrayList<>();
    Instant launched = Instant.now();
    try {
      Path run = runs.resolve(runId);
      for (int jvm = 0; jvm < jvms; jvm++) {
        processes.add(start(setup, jvm > 0 && setup.coordinatorFirst(), jvm == 0
            ? List.of("run", file.toString(), "--spawn", "0", "--port", Integer.toString(port))
            : List.of("node", "--seed", "127.0.0.1:" + port, "--host", "127.0.0.1", "--port", "0",
                "--slots", Integer.toString(slotsPerJvm()), "--exit-when-finished"),
            runs.resolve(runId + ".jvm" + (jvm + 1) + ".log")));
        awaitMembers(run, jvm + 1, processes.get(0));
      }
      List<Double> resident;
      List<Double> api;
      long apiFailures;
      ScaleFigures figures;
      List<Double> sseLag;
      int sseUpdates;
      FaultFigures faults;
      Map<ThreadCpu.Group, Double> cpu = new EnumMap<>(ThreadCpu.Group.class);
      List<Long> pids = processes.stream().map(Process::pid).toList();
      try (ResidentMemory memory = new ResidentMemory(pids, 1000);
          ThreadCpu threads = new ThreadCpu(pids, 500);
          DashboardProbe probe = new DashboardProbe(run, setup.apiEvery())) {
        long deadline = System.nanoTime() + setup.limit().toNanos();
        Instant killedAt = kill == 0 ? null : killHalfway(run, processes, setup, deadline);
        for (int jvm = 0; jvm < jvms - kill; jvm++) {
          Process process = processes.get(jvm);
          if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
              || process.exitValue() != 0) {
            throw new IllegalStateException("scale run " + runId + " (" + label() + "): JVM " + (jvm + 1)
                + (process.isAlive() ? " still running after " + setup.limit().toMinutes() + " min" : " failed")
                + "; see " + runs.resolve(runId + ".jvm" + (jvm + 1) + ".log"));
          }
        }
        resident = memory.peakMegabytes();
        apiFailures = probe.apiFailures();
        figures = ScaleFigures.read(run, launched, setup.fromEpoch());
        api = probe.apiMillis(figures.allTraining());
        if (figures.countedFrom() != null) {
          for (long pid : pids) {
            ThreadCpu.Span span = threads.within(pid, figures.countedFrom(), figures.countedTo());
            if (span != null) {
              double seconds = Duration.between(span.from(), span.to()).toNanos() / 1e9;
              span.usage().forEach((group, usage) -> cpu.merge(group, usage.cpuSeconds() / seconds, Double::sum));
            }
          }
        }
        sseLag = probe.sseLagMillis(figures.sentAtMillis());
        sseUpdates = probe.sseUpdates();
        faults = killedAt == null ? null : FaultFigures.read(run, killedAt, kill, peers, setup.epochs());
      }
      Measured measured = new Measured(this, figures, api, apiFailures, sseLag, sseUpdates, resident, cpu, faults);
      System.out.printf(Locale.ROOT, "  %-32s start %5.1f s  %7.1f steps/s per peer  %6.2f msg/step/node"
              + "  %8.0f msg/s  %5.0f µs CPU/msg  lag p99 %6.1f ms  /api p99 %6.1f ms  RSS %4.0f MiB%n",
          label(), figures.startSeconds(), figures.medianStepsPerSecond(),
          ScaleFigures.meanOver(figures.messagesPerStep()), figures.messagesPerSecond(), measured.cpuMicrosPerMessage(),
          Stats.quantile(figures.reportLagMillis(), 0.99), Stats.quantile(api, 0.99), Stats.median(resident));
      return measured;
    } finally {
      for (Process process : processes) {
        if (process.isAlive()) {
          process.destroyForcibly();
          process.waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  /**
   * Waits (at most 2 minutes) until {@code members} nodes are up, as the run's events say: the JVMs
   * start one after the other, as machines of a cluster would, instead of all at once on this
   * machine's cores, where 16 JVMs loading classes, ND4J and the JIT's first compilations together
   * starved the cluster's heartbeats for long enough to get nodes downed.
   */
  private static void awaitMembers(Path run, int members, Process launcher) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() - deadline < 0 && launcher.isAlive()) {
      if (RunFiles.events(run).stream().filter(e -> e.path("event").asText().equals("member-up")).count() >= members) {
        return;
      }
      Thread.sleep(200);
    }
  }

  /**
   * Waits until every peer has reported a step past half the run, then SIGKILLs the last {@code
   * kill} JVMs at once; returns when.
   */
  private Instant killHalfway(Path run, List<Process> processes, Setup setup, long deadline)
      throws IOException, InterruptedException {
    long half = (long) setup.epochs() * setup.stepsPerEpoch() / 2;
    while (System.nanoTime() - deadline < 0 && processes.get(0).isAlive()) {
      Map<String, Long> steps = new java.util.HashMap<>();
      RunFiles.peerReports(run).forEach(r -> steps.merge(r.path("peer").asText(), r.path("step").asLong(), Math::max));
      if (steps.size() == peers && steps.values().stream().allMatch(step -> step >= half)) {
        Instant at = Instant.now();
        for (Process process : processes.subList(jvms - kill, jvms)) {
          process.destroyForcibly(); // SIGKILL
        }
        System.out.printf(Locale.ROOT, "  %s: SIGKILLed %d JVMs at step %d of %d%n", label(), kill, half, half * 2);
        return at;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("scale run " + label() + ": the peers never reached step " + half);
  }

  private Path writeCohortFile(Path runs, String runId, Setup setup) throws IOException {
    List<Map<String, Object>> peerList = new ArrayList<>();
    for (int i = 1; i <= peers; i++) {
      peerList.add(CohortFile.peer(String.format(Locale.ROOT, "p%02d", i), "hidden", List.of(32)));
    }
    int validation = 400;
    Config cohort = CohortFile.of(CohortFile.settings(
        "run.id", runId, "run.directory", runs.toAbsolutePath().toString(),
        "data.format", "synthetic", "data.validation-size", validation,
        "data.synthetic.train-examples", setup.stepsPerEpoch() * setup.batchSize() + validation,
        "data.synthetic.test-examples", 400, "data.synthetic.features", 64, "data.synthetic.classes", 8,
        "training.epochs", setup.epochs(), "training.batch-size", setup.batchSize(), "training.seed", setup.seed(),
        "training.checkpoint-every", kill == 0 ? 0 : CHECKPOINT_EVERY, "training.report-every", Math.max(5, setup.stepsPerEpoch() / 10),
        "distillation.topology", topology, "distillation.random-k.k", Math.min(setup.randomK(), peers - 1),
        "peers", CohortFile.seeded(peerList, setup.seed()),
        "cluster.nodes", jvms, "cluster.startup-timeout", "10m",
        "dashboard.enabled", true, "dashboard.port", 0));
    cohort = setup.overrides().withFallback(cohort);
    Files.createDirectories(runs);
    Path file = runs.resolve(runId + ".conf");
    Files.writeString(file, CohortFile.render(cohort));
    return file;
  }

  /** A fresh node JVM running {@code cohort ARGS} with the setup's options, hosting K / N peers, its output to {@code log}. */
  private Process start(Setup setup, boolean nice, List<String> args, Path log) throws IOException {
    List<String> command = new ArrayList<>(nice ? List.of("nice", "-n", "10") : List.of());
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(setup.javaOptions());
    command.addAll(List.of("-Dslf4j.internal.verbosity=ERROR", "-cp", System.getProperty("java.class.path"),
        ChildNodes.MAIN_CLASS));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().put("COHORT_SLOTS", Integer.toString(slotsPerJvm()));
    builder.environment().put("COHORT_HOST", "127.0.0.1");
    return builder.start();
  }
}
