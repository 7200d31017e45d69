package dev.cohort.actors.failover;

import dev.cohort.actors.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real Cohort JVMs on 127.0.0.1 for a test: {@code cohort run} and {@code cohort node} processes
 * with their output in files, killed with SIGKILL on demand, and every one ended by {@link #close}.
 */
final class NodeProcesses implements AutoCloseable {

  /** Fast failure handling for tests: an unreachable node is downed after a few seconds, not 20. */
  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xmx1g",
          "-Dcohort.log.level=INFO",
          "-Dpekko.cluster.split-brain-resolver.stable-after=3s",
          "-Dpekko.cluster.failure-detector.acceptable-heartbeat-pause=2s");

  record Node(String name, Process process, Path log) {
    String output() throws IOException {
      return Files.exists(log) ? Files.readString(log) : "";
    }
  }

  private final Path logs;
  private final List<String> jvmOptions;
  private final List<Node> nodes = new ArrayList<>();

  NodeProcesses(Path logs) throws IOException {
    this(logs, List.of());
  }

  /** @param overrides JVM options after the defaults (a later -D wins) */
  NodeProcesses(Path logs, List<String> overrides) throws IOException {
    this.logs = Files.createDirectories(logs);
    this.jvmOptions = new ArrayList<>(JVM_OPTIONS);
    this.jvmOptions.addAll(overrides);
  }

  Node start(String name, List<String> arguments, Map<String, String> environment) throws IOException {
    return start(name, List.of(), List.of(), arguments, environment);
  }

  /**
   * @param wrapper what runs the JVM (e.g. {@code cohort-netns exec PREFIX 2}: in a network namespace)
   * @param options this JVM's own options, after the shared ones
   */
  Node start(String name, List<String> wrapper, List<String> options, List<String> arguments,
      Map<String, String> environment) throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(options);
    System.getProperties().stringPropertyNames().stream()
        .filter(p -> p.startsWith("org.bytedeco.javacpp"))
        .forEach(p -> command.add("-D" + p + "=" + System.getProperty(p)));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(arguments);
    Path log = logs.resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    Node node = new Node(name, builder.start(), log);
    nodes.add(node);
    return node;
  }

  /** Waits until {@code condition} holds, checking every 200 ms, or fails after {@code limit}. */
  static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
    await(what, limit, 200, condition);
  }

  private static void await(String what, Duration limit, long everyMillis, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(everyMillis);
    }
  }

  /** {@code node}'s output so far ("" while it cannot be read). */
  static String output(Node node) {
    try {
      return node.output();
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The peer of run {@code runId} that {@code node}'s log says starts there, as soon as it says so
   * (checked every 10 ms: a test may stop the node before the peer has registered).
   */
  static String hostedPeer(Node node, String runId) throws InterruptedException {
    Pattern hosted = Pattern.compile("peer (\\S+) of run " + runId + " starts on this node");
    String[] peer = new String[1];
    await("a peer on " + node.name(), Duration.ofSeconds(150), 10, () -> {
      Matcher m = hosted.matcher(output(node));
      if (m.find()) {
        peer[0] = m.group(1);
        return true;
      }
      return false;
    });
    return peer[0];
  }

  /** The launcher's host:port, from its "node 1 (coordinator) at" line; fails if it died first. */
  String launcherAddress(Node launcher) throws InterruptedException {
    Pattern address = Pattern.compile("node 1 \\(coordinator\\) at pekko://cohort@([^\\s]+)");
    String[] seed = new String[1];
    await("the launcher's address", Duration.ofSeconds(120), () -> {
      Matcher m = address.matcher(output(launcher));
      if (m.find()) {
        seed[0] = m.group(1);
        return true;
      }
      return !launcher.process().isAlive();
    });
    if (!launcher.process().isAlive()) {
      throw new AssertionError("the launcher exited before it started its node\n" + outputs());
    }
    return seed[0];
  }

  static boolean exited(Node node, Duration limit) throws InterruptedException {
    return node.process().waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SIGKILL (also of a paused node): the node gets no chance to leave the cluster or save anything. */
  static void kill(Node node) throws InterruptedException {
    node.process().destroyForcibly();
    node.process().waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * SIGSTOP: the node's JVM stands still (no heartbeats, no replies, its sockets open) as a node
   * behind a dead link or a stalled machine would, until {@link #resume}.
   */
  static void pause(Node node) throws IOException, InterruptedException {
    signal(node, "-STOP");
  }

  static void resume(Node node) throws IOException, InterruptedException {
    signal(node, "-CONT");
  }

  private static void signal(Node node, String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", signal, Long.toString(node.process().pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill " + signal + " " + node.process().pid() + " failed");
    }
  }

  /** Every output, for a failure message. */
  String outputs() {
    StringBuilder all = new StringBuilder();
    for (Node node : nodes) {
      try {
        String out = node.output();
        all.append("\n===== ").append(node.name()).append(" =====\n")
            .append(out.length() > 6000 ? "..." + out.substring(out.length() - 6000) : out);
      } catch (IOException e) {
        all.append("\n===== ").append(node.name()).append(": ").append(e.getMessage());
      }
    }
    return all.toString();
  }

  @Override
  public void close() throws InterruptedException {
    for (Node node : nodes) {
      node.process().destroyForcibly();
    }
    for (Node node : nodes) {
      node.process().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
