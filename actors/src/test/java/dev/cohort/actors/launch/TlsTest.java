package dev.cohort.actors.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artery TLS with mutual authentication (the {@code tls} overlay and deploy/tls/make-certs.sh): two
 * nodes with certificates from the cohort's CA form a cluster; a node whose certificate another CA
 * signed ({@code cohort node} in a JVM of its own) cannot join it.
 */
class TlsTest {

  @TempDir Path dir;

  private final List<ActorSystem<?>> systems = new ArrayList<>();
  /** The node whose certificate another CA signed: a JVM of its own, as a rogue machine would be. */
  private Process rogue;

  @AfterEach
  void stopSystems() throws IOException, InterruptedException {
    // The rogue first, then the youngest first. A node that does not stop within the bound fails
    // the test with a dump of every Pekko thread in target/ (see docs/RELIABILITY.md), and the
    // others are still stopped.
    List<String> hung = new ArrayList<>();
    if (rogue != null) {
      rogue.destroy();
      if (!rogue.waitFor(30, TimeUnit.SECONDS)) {
        // Stopped either way; what this test checks of the rogue is that it never got in.
        System.err.println("TlsTest: the rogue node's JVM did not exit within 30 s of SIGTERM; killed");
        rogue.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    for (int i = systems.size() - 1; i >= 0; i--) {
      ActorSystem<?> system = systems.get(i);
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException e) {
        Path dump = Path.of("target", "tls-teardown-" + i + ".txt");
        Files.createDirectories(dump.getParent());
        Files.writeString(dump, pekkoThreads());
        hung.add("node " + i + " (" + Cluster.get(system).selfMember().address() + ") did not stop within 60 s;"
            + " its Pekko threads: " + dump.toAbsolutePath());
      }
    }
    assertEquals(List.of(), hung);
  }

  /** The stack of every thread of the test's actor systems (all named cohort). */
  private static String pekkoThreads() {
    StringBuilder dump = new StringBuilder();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      if (thread.getName().startsWith(NodeConfig.SYSTEM_NAME)) {
        dump.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
        for (StackTraceElement frame : stack) {
          dump.append("    at ").append(frame).append('\n');
        }
      }
    });
    return dump.toString();
  }

  private void makeCerts(Path out, String... nodes) throws IOException, InterruptedException {
    Path script = Path.of("..", "deploy", "tls", "make-certs.sh");
    List<String> command = new ArrayList<>(List.of("bash", script.toString(), out.toString()));
    command.addAll(List.of(nodes));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), output);
    assertEquals(0, process.exitValue(), output);
  }

  private ActorSystem<Void> node(Path certs, String name) {
    Config tls = ConfigFactory.parseMap(Map.of("cohort.tls.directory", certs.toString(), "cohort.tls.node", name));
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            NodeConfig.SYSTEM_NAME,
            NodeConfig.create("127.0.0.1", 0, List.of(), List.of("trainer"), 1, List.of("tls"), tls));
    systems.add(system);
    return system;
  }

  /**
   * {@code cohort node} joining {@code seed} over TLS with a certificate of {@code certs}, its whole
   * log in {@code log}.
   */
  private static Process rogueNode(Path certs, Address seed, Path log) throws IOException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "node",
        "--seed", seed.getHost().orElseThrow() + ":" + seed.getPort().orElseThrow(), "--host", "127.0.0.1",
        "--port", "0", "--roles", "trainer", "--overlay", "tls", "--log-file", log.toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.resolveSibling("rogue-terminal.log").toFile());
    builder.environment().put("COHORT_TLS_DIR", certs.toString());
    builder.environment().put("COHORT_TLS_NODE", "rogue");
    return builder.start();
  }

  private static String log(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file) : "";
  }

  private static long upMembers(ActorSystem<?> system) {
    return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up())
        .count();
  }

  @Test
  void onlyNodesWithCertificatesFromTheCohortsCaCanJoin() throws Exception {
    Path cohortCa = dir.resolve("cohort");
    Path otherCa = dir.resolve("other");
    makeCerts(cohortCa, "node-1", "node-2");
    // The rogue trusts the cohort's CA (it would accept node-1) and has the same store password, but
    // its own certificate is another CA's: only node-1's check of the client (mutual
    // authentication) can keep it out.
    Files.createDirectories(otherCa);
    Files.copy(cohortCa.resolve("password"), otherCa.resolve("password"));
    makeCerts(otherCa, "rogue");
    Path rogueStores = Files.createDirectories(dir.resolve("rogue"));
    Files.copy(otherCa.resolve("rogue.p12"), rogueStores.resolve("rogue.p12"));
    Files.copy(otherCa.resolve("password"), rogueStores.resolve("password"));
    Files.copy(cohortCa.resolve("truststore.p12"), rogueStores.resolve("truststore.p12"));

    ActorSystem<Void> first = node(cohortCa, "node-1");
    assertEquals("tls-tcp", first.settings().config().getString("pekko.remote.artery.transport"));
    Cluster.get(first).manager().tell(Join.create(Cluster.get(first).selfMember().address()));
    ActorSystem<Void> second = node(cohortCa, "node-2");
    Cluster.get(second).manager().tell(Join.create(Cluster.get(first).selfMember().address()));
    Address seed = Cluster.get(first).selfMember().address();
    Path rogueLog = dir.resolve("rogue.log");
    rogue = rogueNode(rogueStores, seed, rogueLog);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (upMembers(first) < 2 || upMembers(second) < 2) {
      assertTrue(System.nanoTime() < deadline, "node-2 (signed by the cohort's CA) joins over TLS");
      Thread.sleep(100);
    }
    // The rogue's attempts reach node-1 and fail in the TLS handshake (its log says so), and it is
    // never a member, not even a joining one.
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!log(rogueLog).contains("SSLHandshakeException") && !log(rogueLog).contains("SSLException")) {
      assertTrue(rogue.isAlive(), "the rogue node ended early: " + log(rogueLog));
      assertTrue(System.nanoTime() < deadline, "the rogue node tried to connect within 90 s: " + log(rogueLog));
      Thread.sleep(100);
    }
    assertEquals(2, StreamSupport.stream(Cluster.get(first).state().getMembers().spliterator(), false).count(),
        "only node-1 and node-2 are members: " + Cluster.get(first).state().getMembers());
    assertEquals(2, upMembers(first));
  }

  @Test
  void aMissingKeyStoreIsAnErrorNamingTheFile() throws Exception {
    Path certs = dir.resolve("certs");
    makeCerts(certs, "node-1");
    Config tls = ConfigFactory.parseMap(Map.of("cohort.tls.directory", certs.toString(), "cohort.tls.node", "node-9"));
    UsageException e = assertThrows(UsageException.class,
        () -> NodeConfig.create("127.0.0.1", 0, List.of(), List.of("trainer"), 1, List.of("tls"), tls));
    assertTrue(e.getMessage().contains("node-9.p12"), e.getMessage());
  }
}
