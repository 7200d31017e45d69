package dev.cohort.actors.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artery TLS with mutual authentication (the {@code tls} overlay and deploy/tls/make-certs.sh): two
 * nodes with certificates from the cohort's CA form a cluster; a node whose certificate another CA
 * signed cannot join it.
 */
class TlsTest {

  @TempDir Path dir;

  private final List<ActorSystem<?>> systems = new ArrayList<>();

  @AfterEach
  void stopSystems() {
    // The youngest first: the rogue node stops trying to connect before the others stop listening.
    for (int i = systems.size() - 1; i >= 0; i--) {
      ActorTestKit.shutdown(systems.get(i), Duration.ofSeconds(60));
    }
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
    makeCerts(otherCa, "rogue");
    assertTrue(Files.exists(cohortCa.resolve("truststore.p12")));

    ActorSystem<Void> first = node(cohortCa, "node-1");
    assertEquals("tls-tcp", first.settings().config().getString("pekko.remote.artery.transport"));
    Cluster.get(first).manager().tell(Join.create(Cluster.get(first).selfMember().address()));
    ActorSystem<Void> second = node(cohortCa, "node-2");
    Cluster.get(second).manager().tell(Join.create(Cluster.get(first).selfMember().address()));
    ActorSystem<Void> rogue = node(otherCa, "rogue");
    Cluster.get(rogue).manager().tell(Join.create(Cluster.get(first).selfMember().address()));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (upMembers(first) < 2 || upMembers(second) < 2) {
      assertTrue(System.nanoTime() < deadline, "node-2 (signed by the cohort's CA) joins over TLS");
      Thread.sleep(100);
    }
    // The rogue node has been trying as long as node-2 took, and then some: it is never let in.
    Thread.sleep(5000);
    assertEquals(2, upMembers(first), "the node signed by another CA is not a member");
    Member rogueSelf = Cluster.get(rogue).selfMember();
    assertTrue(rogueSelf.status() != MemberStatus.up(), "the rogue node is not up: " + rogueSelf);
    assertTrue(StreamSupport.stream(Cluster.get(rogue).state().getMembers().spliterator(), false)
            .noneMatch(m -> m.address().equals(Cluster.get(first).selfMember().address())),
        "the rogue node never saw the cluster's members");
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
