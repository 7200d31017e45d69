package dev.cohort.actors.launch;

import dev.cohort.actors.args.Arguments;
import dev.cohort.actors.args.UsageException;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.node.NodeGuardian;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code run} and {@code demo}: config overrides, JVMs to start, this node's port
 * (null: the config's), overlays, an existing cluster to join instead of forming one, and roles.
 */
public record LaunchOptions(Config overrides, Integer spawn, Integer port, List<String> overlays, String join, List<String> roles) {

  public static final List<String> DEFAULT_ROLES = List.of(NodeGuardian.COORDINATOR_ROLE, NodeGuardian.TRAINER_ROLE);

  /** The plain local launch: every default, this node's port {@code port}. */
  static LaunchOptions local(int port) {
    return new LaunchOptions(ConfigFactory.empty(), 0, port, NodeConfig.overlaysFromEnvironment(), null, DEFAULT_ROLES);
  }

  /** @param newRun false for {@code --resume}, where the data and the cohort are the stopped run's */
  static LaunchOptions parse(Arguments arguments, boolean newRun) {
    Config overrides = ConfigFactory.empty();
    Integer spawn = null;
    Integer port = null;
    List<String> overlays = new ArrayList<>(NodeConfig.overlaysFromEnvironment());
    String join = null;
    List<String> roles = DEFAULT_ROLES;
    while (arguments.hasMore()) {
      String option = arguments.next();
      switch (option) {
        case "--nodes" -> overrides = Launch.set(overrides, "cluster.nodes", arguments.intValueOf(option));
        case "--spawn" -> spawn = arguments.intValueOf(option);
        case "--port" -> port = arguments.intValueOf(option);
        case "--overlay" -> overlays.add(arguments.valueOf(option));
        case "--join" -> join = arguments.valueOf(option);
        case "--roles" -> roles = List.of(arguments.valueOf(option).split(","));
        case "--data" -> {
          if (!newRun) {
            throw new UsageException("--data cannot change when resuming a run");
          }
          overrides = Launch.set(Launch.set(overrides, "data.directory", arguments.valueOf(option)), "data.format", "idx");
        }
        case "--set" -> {
          if (!newRun) {
            throw new UsageException("--set cannot change a run being resumed (only --nodes, --spawn, --port)");
          }
          overrides = Launch.setting(overrides, arguments.valueOf(option));
        }
        default -> throw new UsageException(
            "unknown option " + option + (newRun
                ? " (expected --nodes N, --spawn K, --port P, --data DIR, --set key=value, --overlay NAME,"
                    + " --join host:port, --roles coordinator,trainer)"
                : " (expected --nodes N, --spawn K, --port P, --overlay NAME, --join host:port, --roles ...)"));
      }
    }
    return new LaunchOptions(overrides, spawn, port, List.copyOf(overlays), join, roles);
  }
}
