package dev.cohort.bench;

import dev.cohort.actors.launch.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Machines with a real network stack between them on one host, for the benchmark: network
 * namespaces {@code PREFIX-1..N} with their own addresses, joined by veth pairs on a bridge, made
 * and removed by {@code deploy/netns/cohort-netns} (the script the partition tests use). Needs
 * root and iproute2.
 */
record NetworkNamespaces(Path script, String prefix, int count, String subnet) implements AutoCloseable {

  static final Path SCRIPT = Path.of("deploy", "netns", "cohort-netns");

  /** Sets up {@code count} namespaces; a clear error when this machine cannot. */
  static NetworkNamespaces up(String prefix, int count, String subnet) throws IOException, InterruptedException {
    if (!Files.isExecutable(SCRIPT)) {
      throw new UsageException("--netns runs " + SCRIPT + " from the checkout's top folder; not found here ("
          + Path.of("").toAbsolutePath() + ")");
    }
    if (run(List.of(SCRIPT.toString(), "check")) != 0) {
      throw new UsageException("--netns needs root and iproute2 (" + SCRIPT + " check failed)");
    }
    NetworkNamespaces namespaces = new NetworkNamespaces(SCRIPT, prefix, count, subnet);
    namespaces.close(); // whatever an interrupted run left behind
    if (run(List.of(SCRIPT.toString(), "up", prefix, String.valueOf(count), subnet)) != 0) {
      namespaces.close();
      throw new IOException(SCRIPT + " up " + prefix + " " + count + " " + subnet + " failed");
    }
    return namespaces;
  }

  /** The address of the {@code jvm}-th machine (from 0). */
  String address(int jvm) {
    return subnet + "." + (jvm + 1);
  }

  /** What runs a command in the {@code jvm}-th machine (from 0). */
  List<String> exec(int jvm) {
    return List.of(script.toString(), "exec", prefix, String.valueOf(jvm + 1));
  }

  @Override
  public void close() throws IOException {
    try {
      run(List.of(script.toString(), "down", prefix, String.valueOf(count)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }
}
