package dev.cohort.actors.launch;


import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The extra JVMs of a local cluster: each runs {@code Main node} on 127.0.0.1, joins the
 * launcher's node, logs to the run directory, exits when the run is over, and also exits when
 * the launcher dies (its stdin closes). {@link #stop} ends whatever is still running.
 */
public final class ChildNodes {

  /** The class every Cohort JVM starts with (the {@code cohort} command line); named, not imported, as it depends on this package. */
  public static final String MAIN_CLASS = "dev.cohort.actors.cli.Main";

  private final List<Process> processes = new ArrayList<>();

  void start(int count, String seed, int slots, List<String> overlays, Path logDirectory) throws IOException {
    Files.createDirectories(logDirectory);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int i = 0; i < count; i++) {
      List<String> command = new ArrayList<>();
      command.add(java);
      command.addAll(inheritableJvmArguments());
      command.add("-Dcohort.log.level=INFO");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(MAIN_CLASS);
      command.addAll(
          List.of("node", "--seed", seed, "--host", "127.0.0.1", "--port", "0", "--slots", String.valueOf(slots),
              "--exit-when-finished", "--exit-with-parent"));
      overlays.forEach(overlay -> command.addAll(List.of("--overlay", overlay)));
      Path log = logDirectory.resolve("node-" + (i + 2) + ".log");
      processes.add(
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start());
    }
  }

  /** The launcher's own -X / -D settings (heap size, the JavaCPP cache), without debug agents. */
  private static List<String> inheritableJvmArguments() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-X") || a.startsWith("-D"))
        .filter(a -> !a.startsWith("-Xrunjdwp") && !a.startsWith("-Dcohort.log.level"))
        .toList();
  }

  /** Waits up to {@code seconds} for the children to exit by themselves, then ends the rest. */
  void stop(long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (Process process : processes) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
          process.destroy();
          if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
          }
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
