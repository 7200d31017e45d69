package dev.cohort.actors.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.launch.Launch;
import dev.cohort.actors.launch.LaunchOptions;
import dev.cohort.actors.launch.NodeConfig;
import dev.cohort.actors.launch.UsageException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of {@code run} and {@code demo}, read by picocli into {@link LaunchOptions}. */
final class LaunchFlags {

  @Option(names = "--nodes", paramLabel = "N", description = "nodes of the cluster (default: cohort.cluster.nodes)")
  private Integer nodes;

  @Option(names = "--spawn", paramLabel = "K", description = "JVMs this command starts on 127.0.0.1 (default: N-1)")
  private Integer spawn;

  @Option(names = "--port", paramLabel = "P", description = "this node's port (default: any free port)")
  private Integer port;

  @Option(names = "--data", paramLabel = "DIR", description = "an IDX dataset folder instead of the cohort file's data")
  private String data;

  @Option(names = "--set", paramLabel = "key=value", description = "a setting of the cohort file, e.g. training.epochs=3 (repeatable)")
  private List<String> settings = new ArrayList<>();

  @Option(names = "--overlay", paramLabel = "NAME",
      description = "multi-host, tls, kubernetes or a .conf file (repeatable; also COHORT_OVERLAYS=a,b)")
  private List<String> overlays = new ArrayList<>();

  @Option(names = "--join", paramLabel = "HOST:PORT", description = "hand the run to a cluster that is already up")
  private String join;

  @Option(names = "--roles", split = ",", paramLabel = "ROLE", description = "this node's roles: coordinator, trainer (default: both)")
  private List<String> roles;

  /** @param newRun false for {@code --resume}, where the data and the cohort are the stopped run's */
  LaunchOptions options(boolean newRun) {
    if (!newRun && data != null) {
      throw new UsageException("--data cannot change when resuming a run");
    }
    if (!newRun && !settings.isEmpty()) {
      throw new UsageException("--set cannot change a run being resumed (only --nodes, --spawn, --port)");
    }
    Config overrides = ConfigFactory.empty();
    if (nodes != null) {
      overrides = Launch.set(overrides, "cluster.nodes", nodes);
    }
    if (data != null) {
      overrides = Launch.set(Launch.set(overrides, "data.directory", data), "data.format", "idx");
    }
    for (String assignment : settings) {
      overrides = Launch.setting(overrides, assignment);
    }
    List<String> allOverlays = new ArrayList<>(NodeConfig.overlaysFromEnvironment());
    allOverlays.addAll(overlays);
    return new LaunchOptions(overrides, spawn, port, List.copyOf(allOverlays), join,
        roles == null ? LaunchOptions.DEFAULT_ROLES : List.copyOf(roles));
  }
}
