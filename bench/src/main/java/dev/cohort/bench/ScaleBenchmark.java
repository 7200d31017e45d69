package dev.cohort.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.launch.Launch;
import dev.cohort.actors.launch.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort bench scale}: where the runtime breaks as the cohort grows. For each size (K peers
 * on N JVMs of this machine) and each topology, one run of {@link ScaleRun}; the figures go to
 * docs/SCALE.md ({@link ScaleReport}) with two plots beside it. Sizes run in the order given, the
 * topologies of one size one after the other, so that they compare within minutes of each other.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
    description = "K light peers on N JVMs of this machine, per topology: start time, steps/s, messages and bytes per"
        + " step per node, messages/s, the coordinator's report lag, /api and SSE latency, resident memory;"
        + " written to docs/SCALE.md.")
public final class ScaleBenchmark implements Callable<Integer> {

  @Option(names = "--sizes", split = ",", paramLabel = "K@N", defaultValue = "2@2,8@4,16@8,32@16,64@16",
      description = "peers@JVMs, each JVM hosting K/N peers (default: ${DEFAULT-VALUE})")
  private List<String> sizes;

  @Option(names = "--topologies", split = ",", paramLabel = "T", defaultValue = "dml,ring,random-k,node-ensemble",
      description = "lock-step topologies (default: ${DEFAULT-VALUE})")
  private List<String> topologies;

  @Option(names = "--faults", split = ",", paramLabel = "T:K@N:KILL",
      description = "runs with KILL node JVMs SIGKILLed at once halfway, e.g. dml:32@16:4 (default: none)")
  private List<String> faults = new ArrayList<>();

  @Option(names = "--epochs", paramLabel = "E", defaultValue = "3", description = "epochs per run (default: ${DEFAULT-VALUE})")
  private int epochs;

  @Option(names = "--steps-per-epoch", paramLabel = "S", defaultValue = "100",
      description = "batches per epoch (default: ${DEFAULT-VALUE})")
  private int stepsPerEpoch;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "examples per batch (default: ${DEFAULT-VALUE})")
  private int batchSize;

  @Option(names = "--from-epoch", paramLabel = "F", defaultValue = "2",
      description = "rates count from this epoch on; the first is JIT warm-up (default: ${DEFAULT-VALUE})")
  private int fromEpoch;

  @Option(names = "--random-k", paramLabel = "k", defaultValue = "2", description = "random-k's k (default: ${DEFAULT-VALUE})")
  private int randomK;

  @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "256m", description = "each JVM's -Xmx (default: ${DEFAULT-VALUE})")
  private String heap;

  @Option(names = "--heartbeat-pause", paramLabel = "DURATION", defaultValue = "10s",
      description = "each JVM's pekko.cluster.failure-detector.acceptable-heartbeat-pause (default: ${DEFAULT-VALUE})")
  private String heartbeatPause;

  @Option(names = "--coordinator-first", description = "run the node JVMs at nice 10, so that the launcher's JVM"
      + " (coordinator, dashboard) gets the cores first, as on a machine of its own")
  private boolean coordinatorFirst;

  @Option(names = "--jvm-option", paramLabel = "OPTION", description = "one more option of every JVM (repeatable), e.g."
      + " --jvm-option=-XX:TieredStopAtLevel=1")
  private List<String> jvmOptions = new ArrayList<>();

  @Option(names = "--set", paramLabel = "key=value", description = "a setting of every run's cohort file (repeatable)")
  private List<String> assignments = new ArrayList<>();

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "training.seed (default: ${DEFAULT-VALUE})")
  private int seed;

  @Option(names = "--limit", paramLabel = "MIN", defaultValue = "30", description = "minutes a run may take (default: ${DEFAULT-VALUE})")
  private int limitMinutes;

  @Option(names = "--runs", paramLabel = "DIR", defaultValue = "runs/bench-scale", description = "where the runs go (default: ${DEFAULT-VALUE})")
  private Path runs;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "docs/SCALE.md", description = "the report (default: ${DEFAULT-VALUE})")
  private Path out;

  @Option(names = "--notes", paramLabel = "FILE", defaultValue = "docs/bench/SCALE-notes.md",
      description = "hand-written notes appended to the report as they are, 'none' for none (default: ${DEFAULT-VALUE})")
  private String notes;

  @Override
  public Integer call() throws Exception {
    List<ScaleRun> configurations = new ArrayList<>();
    for (String size : sizes) {
      String[] parts = size.trim().split("@");
      if (parts.length != 2) {
        throw new UsageException("--sizes: expected K@N such as 16@8, found '" + size + "'");
      }
      for (String topology : topologies) {
        try {
          configurations.add(new ScaleRun(topology.trim(), Integer.parseInt(parts[0]), Integer.parseInt(parts[1])));
        } catch (NumberFormatException e) {
          throw new UsageException("--sizes: expected K@N such as 16@8, found '" + size + "'");
        } catch (IllegalArgumentException e) {
          throw new UsageException("--sizes " + size + ": " + e.getMessage());
        }
      }
    }
    for (String fault : faults) {
      String[] parts = fault.trim().split("[:@]");
      try {
        if (parts.length != 4) {
          throw new NumberFormatException();
        }
        configurations.add(new ScaleRun(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
            Integer.parseInt(parts[3])));
      } catch (NumberFormatException e) {
        throw new UsageException("--faults: expected TOPOLOGY:K@N:KILL such as dml:32@16:4, found '" + fault + "'");
      } catch (IllegalArgumentException e) {
        throw new UsageException("--faults " + fault + ": " + e.getMessage());
      }
    }
    // Pekko's default acceptable heartbeat pause (3 s) is for machines of their own: with 16 JVMs and
    // up to 64 trainer threads on this machine's cores a JVM can go unscheduled for seconds, and
    // nodes were marked unreachable and downed (the run of 2026-12-07 at K = 32 on 16 JVMs).
    List<String> javaOptions = new ArrayList<>(List.of("-Xms32m", "-Xmx" + heap, "-XX:+UseSerialGC",
        "-Dpekko.cluster.failure-detector.acceptable-heartbeat-pause=" + heartbeatPause));
    javaOptions.addAll(jvmOptions);
    Config overrides = ConfigFactory.empty();
    for (String assignment : assignments) {
      overrides = Launch.setting(overrides, assignment);
    }
    ScaleRun.Setup setup = new ScaleRun.Setup(javaOptions, epochs, stepsPerEpoch, batchSize, fromEpoch, seed, randomK,
        Duration.ofMillis(250), Duration.ofMinutes(limitMinutes), coordinatorFirst, overrides);
    String command = "./cohort bench scale --sizes " + String.join(",", sizes) + " --topologies "
        + String.join(",", topologies) + (faults.isEmpty() ? "" : " --faults " + String.join(",", faults))
        + " --epochs " + epochs + " --steps-per-epoch " + stepsPerEpoch
        + (fromEpoch == 2 ? "" : " --from-epoch " + fromEpoch) + (batchSize == 32 ? "" : " --batch-size " + batchSize)
        + (randomK == 2 ? "" : " --random-k " + randomK) + (seed == 1 ? "" : " --seed " + seed)
        + (heap.equals("256m") ? "" : " --heap " + heap) + (coordinatorFirst ? " --coordinator-first" : "")
        + jvmOptions.stream().map(o -> " --jvm-option=" + o).collect(java.util.stream.Collectors.joining())
        + assignments.stream().map(a -> " --set " + a).collect(java.util.stream.Collectors.joining())
        + (out.equals(Path.of("docs/SCALE.md")) ? "" : " --out " + out)
        + (notes.equals("docs/bench/SCALE-notes.md") ? "" : " --notes " + notes);
    System.out.println("scale harness: " + configurations.size() + " runs; each JVM " + String.join(" ", javaOptions));
    Map<String, List<ScaleRun.Measured>> byTopology = new LinkedHashMap<>();
    List<ScaleRun.Measured> all = new ArrayList<>();
    Map<String, String> failed = new LinkedHashMap<>();
    for (ScaleRun configuration : configurations) {
      String runId = String.format(Locale.ROOT, "scale-%s-k%d-n%d%s", configuration.topology(), configuration.peers(),
          configuration.jvms(), configuration.kill() == 0 ? "" : "-kill" + configuration.kill());
      try {
        ScaleRun.Measured measured = configuration.run(runs.toAbsolutePath(), runId, setup);
        all.add(measured);
        if (configuration.kill() == 0) {
          byTopology.computeIfAbsent(configuration.topology(), t -> new ArrayList<>()).add(measured);
        }
      } catch (IllegalStateException e) {
        // one configuration that fails (or hangs past --limit) is a finding, not the end of the benchmark
        System.out.println("  " + configuration.label() + ": " + e.getMessage());
        // the log named relative to where the benchmark ran: no path of this machine in the report
        failed.put(configuration.label(), e.getMessage().replace(Path.of("").toAbsolutePath() + "/", ""));
      }
    }
    Path folder = out.toAbsolutePath().getParent();
    Files.createDirectories(folder);
    String stem = out.getFileName().toString().replaceFirst("\\.md$", "").toLowerCase(Locale.ROOT);
    Path steps = folder.resolve(stem + "-steps.png");
    Path messages = folder.resolve(stem + "-messages.png");
    ScalePlot.write(steps, "Per-peer steps per second against K", "steps/s per peer (median)", byTopology,
        m -> m.figures().medianStepsPerSecond());
    ScalePlot.write(messages, "Prediction messages per second, the whole machine", "messages/s", byTopology,
        m -> m.figures().messagesPerSecond());
    Files.writeString(out, new ScaleReport(command, setup, all, failed, steps.getFileName().toString(),
        messages.getFileName().toString(), notes.equals("none") ? null : Path.of(notes)).markdown());
    System.out.println("written: " + out + ", " + steps + ", " + messages);
    return failed.isEmpty() ? 0 : 1;
  }
}
