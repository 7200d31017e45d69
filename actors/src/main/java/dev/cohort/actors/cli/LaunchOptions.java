package dev.cohort.actors.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** The options of {@code run} and {@code demo}: config overrides, JVMs to start, this node's port. */
record LaunchOptions(Config overrides, Integer spawn, int port) {

  /** @param newRun false for {@code --resume}, where the data and the cohort are the stopped run's */
  static LaunchOptions parse(Arguments arguments, boolean newRun) {
    Config overrides = ConfigFactory.empty();
    Integer spawn = null;
    int port = 0;
    while (arguments.hasMore()) {
      String option = arguments.next();
      switch (option) {
        case "--nodes" -> overrides = Launch.set(overrides, "cluster.nodes", arguments.intValueOf(option));
        case "--spawn" -> spawn = arguments.intValueOf(option);
        case "--port" -> port = arguments.intValueOf(option);
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
                ? " (expected --nodes N, --spawn K, --port P, --data DIR, --set key=value)"
                : " (expected --nodes N, --spawn K, --port P)"));
      }
    }
    return new LaunchOptions(overrides, spawn, port);
  }
}
