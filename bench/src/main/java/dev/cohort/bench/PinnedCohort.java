package dev.cohort.bench;

import com.typesafe.config.Config;
import dev.cohort.actors.launch.ChildNodes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One configuration of the benchmark of separate machines: K MLP peers, one per JVM, each JVM a
 * fresh process pinned to its own core ({@code taskset -c}), as K one-core machines would run
 * them; the first JVM also hosts the coordinator. The JVMs talk Artery over loopback. While they
 * run, {@link ThreadCpu} samples every thread of every JVM; with {@code jfrSettings}, each JVM
 * also records a flight recording.
 *
 * @param lookahead lock-step's lookahead d (0: exact mutual learning)
 */
record PinnedCohort(String label, String topology, int peers, int lookahead) {

  /**
   * How every configuration of one benchmark runs.
   *
   * @param netns null: the JVMs talk over 127.0.0.1; else the namespaces ({@link NetworkNamespaces})
   *     JVM i runs in, each with its own address, joined by veth links on a bridge
   */
  record Setup(int stepsPerEpoch, int epochs, int fromEpoch, List<Integer> cores, List<String> javaOptions,
      Path jfrSettings, NetworkNamespaces netns) {

    Setup with(List<String> options, Path settings, NetworkNamespaces namespaces) {
      return new Setup(stepsPerEpoch, epochs, fromEpoch, cores, options, settings, namespaces);
    }
  }

  /**
   * @param cpu per group, summed over the JVMs, each over the whole seconds of its peer's measured
   *     window
   * @param cpuSteps the steps the peers took in those spans (empty CPU and 0 when a window was too
   *     short to hold two snapshots)
   */
  record Measured(RunFigures figures, Map<ThreadCpu.Group, ThreadCpu.Usage> cpu, double cpuSteps,
      List<Path> recordings) {

    /** A group's CPU time per step of a JVM's peer, in ms (its epochs' ends included: evaluation, checkpoint). */
    double cpuMillisPerStep(ThreadCpu.Group group) {
      ThreadCpu.Usage usage = cpu.get(group);
      return usage == null || cpuSteps <= 0 ? Double.NaN : 1000 * usage.cpuSeconds() / cpuSteps;
    }

    /** A group's context switches (voluntary or involuntary) per step of a JVM's peer. */
    double switchesPerStep(ThreadCpu.Group group, boolean voluntary) {
      ThreadCpu.Usage usage = cpu.get(group);
      return usage == null || cpuSteps <= 0 ? Double.NaN
          : (voluntary ? usage.voluntary() : usage.involuntary()) / cpuSteps;
    }
  }

  /** The core JVM {@code jvm} (from 0) is pinned to: its own while there are enough, else shared round-robin. */
  static int coreOf(int jvm, List<Integer> cores) {
    return cores.get(jvm % cores.size());
  }

  Measured run(Path runs, String runId, int seed, Setup setup) throws IOException, InterruptedException {
    List<Map<String, Object>> peerList = new ArrayList<>();
    for (int i = 1; i <= peers; i++) {
      peerList.add(CohortFile.peer("mlp-" + i, "hidden", List.of(256)));
    }
    Config cohort = CohortFile.of(CohortFile.settings(
        "run.id", runId, "run.directory", runs.toAbsolutePath().toString(),
        "data.train-limit", setup.stepsPerEpoch() * 128,
        "training.epochs", setup.epochs(), "training.seed", seed, "training.checkpoint-every", 0,
        "training.report-every", Math.max(5, setup.stepsPerEpoch() / 12),
        "distillation.topology", topology, "distillation.lookahead", lookahead,
        "peers", CohortFile.seeded(peerList, seed),
        "cluster.nodes", peers,
        "dashboard.enabled", false));
    Files.createDirectories(runs);
    Path file = runs.resolve(runId + ".conf");
    Files.writeString(file, CohortFile.render(cohort));
    // host:port of each JVM: in namespaces each has its own address (and its own ports)
    List<String> addresses = new ArrayList<>();
    for (int jvm = 0; jvm < peers; jvm++) {
      addresses.add(setup.netns() == null ? "127.0.0.1:" + freePort() : setup.netns().address(jvm) + ":25520");
    }
    List<Process> jvms = new ArrayList<>();
    List<Path> recordings = new ArrayList<>();
    RunFigures figures;
    Map<ThreadCpu.Group, ThreadCpu.Usage> cpu = new java.util.EnumMap<>(ThreadCpu.Group.class);
    double cpuSteps = 0;
    try {
      for (int jvm = 0; jvm < peers; jvm++) {
        Path recording = setup.jfrSettings() == null ? null : runs.resolve(runId + ".jvm" + (jvm + 1) + ".jfr");
        if (recording != null) {
          recordings.add(recording);
        }
        String host = addresses.get(jvm).substring(0, addresses.get(jvm).lastIndexOf(':'));
        String port = addresses.get(jvm).substring(addresses.get(jvm).lastIndexOf(':') + 1);
        jvms.add(start(jvm, setup, recording, jvm == 0
            ? List.of("run", file.toString(), "--spawn", "0", "--port", port)
            : List.of("node", "--seed", addresses.get(0), "--host", host, "--port", port, "--slots", "1",
                "--exit-when-finished"),
            runs.resolve(runId + ".jvm" + (jvm + 1) + ".log"), host));
      }
      try (ThreadCpu sampler = new ThreadCpu(jvms.stream().map(Process::pid).toList(), 1000)) {
        for (int jvm = 0; jvm < jvms.size(); jvm++) {
          if (!jvms.get(jvm).waitFor(15, TimeUnit.MINUTES) || jvms.get(jvm).exitValue() != 0) {
            throw new IllegalStateException("benchmark run " + runId + ": JVM " + (jvm + 1) + " failed or hung; see "
                + runs.resolve(runId + ".jvm" + (jvm + 1) + ".log"));
          }
        }
        figures = RunFigures.read(runs.resolve(runId), setup.fromEpoch());
        // each JVM over its own peer's window: independent peers drift apart, and need not overlap
        RunFigures.Window window = figures.window();
        for (int jvm = 0; jvm < jvms.size(); jvm++) {
          for (String peer : window.peersAt(addresses.get(jvm))) {
            List<RunFigures.Window.Point> points = window.points().get(peer);
            ThreadCpu.Span span = sampler.within(jvms.get(jvm).pid(), points.get(0).time(),
                points.get(points.size() - 1).time());
            if (span != null) {
              span.usage().forEach((group, usage) -> cpu.merge(group, usage, ThreadCpu.Usage::plus));
              cpuSteps += window.steps(peer, span.from(), span.to());
            }
          }
        }
      }
    } finally {
      for (Process jvm : jvms) {
        if (jvm.isAlive()) {
          jvm.destroyForcibly();
        }
      }
    }
    Measured measured = new Measured(figures, cpu, cpuSteps, recordings);
    System.out.printf(Locale.ROOT, "  %-48s %7.2f ms/step  wait %5.1f%%  CPU ms/step/JVM: trainer %.2f, Artery %.2f,"
            + " dispatchers %.2f, JIT %.2f, GC %.2f%n", label + " (" + runId + ")", figures.meanStepMillis(),
        100 * figures.waitShare(), measured.cpuMillisPerStep(ThreadCpu.Group.TRAINER),
        measured.cpuMillisPerStep(ThreadCpu.Group.ARTERY), measured.cpuMillisPerStep(ThreadCpu.Group.DISPATCHERS),
        measured.cpuMillisPerStep(ThreadCpu.Group.JIT), measured.cpuMillisPerStep(ThreadCpu.Group.GC));
    return measured;
  }

  /**
   * A fresh JVM, the {@code jvm}-th (from 0), pinned to its core (in its namespace, with the
   * setup's), running {@code cohort ARGS} (this JVM's class path, a 1 GiB heap, one ND4J thread)
   * and advertising {@code host}; its output to {@code log}; with {@code recording}, a flight
   * recording with the setup's settings.
   */
  static Process start(int jvm, Setup setup, Path recording, List<String> args, Path log, String host)
      throws IOException {
    List<String> command = new ArrayList<>(setup.netns() == null ? List.of() : setup.netns().exec(jvm));
    command.addAll(List.of("taskset", "-c", String.valueOf(coreOf(jvm, setup.cores())),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-Dslf4j.internal.verbosity=ERROR"));
    if (recording != null) {
      command.add("-XX:StartFlightRecording=filename=" + recording + ",settings=" + setup.jfrSettings());
    }
    command.addAll(setup.javaOptions());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildNodes.MAIN_CLASS));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().put("COHORT_HOST", host);
    return builder.start();
  }

  /** A port free now, for one of the JVMs (the others join the first there); taken again at once by that JVM. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
