package dev.cohort.bench;

import dev.cohort.actors.launch.ChildNodes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Time from launch to the first step as a user sees it: a fresh JVM running {@code cohort run} on
 * a small two-peer cohort (one node), from the process start until it prints that training
 * starts. JVM start, ND4J's native libraries, the cluster, the data and the networks are all in.
 */
final class ColdStart {

  private ColdStart() {}

  /** Seconds to the first step of each of {@code times} fresh launches. */
  static List<Double> measure(Path runs, int steps, int times) throws IOException, InterruptedException {
    Files.createDirectories(runs);
    List<Double> seconds = new ArrayList<>();
    for (int i = 1; i <= times; i++) {
      Path conf = runs.resolve("cold-" + i + ".conf");
      Files.writeString(conf, CohortFile.render(CohortFile.of(CohortFile.settings(
          "run.id", "cold-" + i, "run.directory", runs.toAbsolutePath().toString(),
          "data.train-limit", steps * 128,
          "training.epochs", 1, "training.checkpoint-every", 0,
          "distillation.topology", "dml",
          "peers", List.of(CohortFile.peer("a", "hidden", List.of(256)), CohortFile.peer("b", "hidden", List.of(256))),
          "cluster.nodes", 1,
          "dashboard.enabled", false))));
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
          .filter(a -> a.startsWith("-X") || a.startsWith("-Dorg.bytedeco")).toList());
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildNodes.MAIN_CLASS, "run", conf.toString()));
      long started = System.nanoTime();
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      double toFirst = Double.NaN;
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (Double.isNaN(toFirst) && line.contains("training starts")) {
            toFirst = (System.nanoTime() - started) / 1e9;
          }
        }
      }
      if (!process.waitFor(10, TimeUnit.MINUTES)) {
        process.destroyForcibly();
      }
      if (process.exitValue() != 0 || Double.isNaN(toFirst)) {
        throw new IllegalStateException("cold start " + i + ": " + String.join(" ", command) + " exited with "
            + process.exitValue() + (Double.isNaN(toFirst) ? " before training started" : ""));
      }
      System.out.printf(java.util.Locale.ROOT, "  cold start %d: first step after %.1f s%n", i, toFirst);
      seconds.add(toFirst);
    }
    return seconds;
  }
}
