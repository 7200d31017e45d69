package dev.cohort.actors.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three "machines" as network namespaces on one host (deploy/netns/cohort-netns: their own
 * addresses, joined by veth pairs on a bridge) run the README's multi-host commands: the launcher
 * with {@code --overlay multi-host} and COHORT_HOST on 10.77.x.1, two {@code cohort node --seed}
 * on .2 and .3, every node on port 25520 of its own address. Then one machine's link is cut
 * mid-run (taken off the bridge: its link stays up, nothing gets through). Needs root and
 * network namespaces; skipped, saying why, where those are missing.
 */
class NetworkNamespacesTest {

  private static final Path SCRIPT = Path.of("..", "deploy", "netns", "cohort-netns").toAbsolutePath().normalize();
  private static final Duration RUN_LIMIT = Duration.ofMinutes(6);
  /**
   * A cut-off node's exit: about 10 s here (3 s to notice, 3 s stable-after, its shutdown); the
   * bound covers every coordinated-shutdown phase timing out plus {@code BoundedStop.LIMIT}.
   */
  private static final Duration DOWNED_EXIT_LIMIT = Duration.ofSeconds(150);

  @TempDir Path dir;

  private String prefix;
  private String subnet;

  @BeforeAll
  static void namespacesWork() throws Exception {
    Process check = new ProcessBuilder(SCRIPT.toString(), "check").redirectErrorStream(true).start();
    String why = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assumeTrue(check.waitFor() == 0, "network namespaces are not available here, skipped: " + why);
  }

  @BeforeEach
  void up() throws Exception {
    prefix = "cn" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
    subnet = "10.77." + ThreadLocalRandom.current().nextInt(1, 250);
    netns("up", prefix, "3", subnet);
  }

  @AfterEach
  void down() throws Exception {
    netns("down", prefix, "3");
  }

  private static void netns(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(command + " failed: " + output);
    }
  }

  private String host(int machine) {
    return subnet + "." + machine;
  }

  private record Cluster(NodeProcesses.Node launcher, NodeProcesses.Node second, NodeProcesses.Node third, Path run) {
    NodeProcesses.Node machine(int i) {
      return i == 1 ? launcher : i == 2 ? second : third;
    }
  }

  /** The README's three commands, one per namespace; returns once training has started. */
  private Cluster startCluster(NodeProcesses processes, String runId, List<String> options) throws Exception {
    Path runs = dir.resolve("runs");
    Path cohort = dir.resolve(runId + ".conf");
    Files.writeString(cohort,
        "cohort {\n"
            + "  run { id = \"" + runId + "\", directory = \"" + runs + "\" }\n"
            + "  data { format = synthetic, validation-size = 400,\n"
            + "         synthetic { train-examples = 4400, test-examples = 400, features = 64, classes = 8, noise = 1.2 } }\n"
            + "  training { epochs = 16, batch-size = 50, learning-rate = 0.005, report-every = 10, checkpoint-every = 20 }\n"
            + "  distillation { topology = dml, max-wait = 2s }\n"
            + "  peers = [ { name = a, hidden = [128, 64] }, { name = b, hidden = [128, 64] }, { name = c, hidden = [128, 64] } ]\n"
            + "  cluster { nodes = 3, startup-timeout = 120s, recovery-grace = 3s }\n"
            + "}\n");
    NodeProcesses.Node launcher = processes.start("machine-1", in(1), options,
        List.of("run", cohort.toString(), "--nodes", "3", "--spawn", "0", "--overlay", "multi-host"),
        Map.of("COHORT_HOST", host(1)));
    List<String> node = List.of("node", "--overlay", "multi-host", "--seed", host(1) + ":25520", "--slots", "1",
        "--exit-when-finished");
    NodeProcesses.Node second = processes.start("machine-2", in(2), options, node, Map.of("COHORT_HOST", host(2)));
    NodeProcesses.Node third = processes.start("machine-3", in(3), options, node, Map.of("COHORT_HOST", host(3)));
    Path run = runs.resolve(runId);
    NodeProcesses.await("training to start", Duration.ofSeconds(150), () -> FailoverTest.events(run).stream()
        .anyMatch(e -> e.path("event").asText().equals("training-started")));
    return new Cluster(launcher, second, third, run);
  }

  private List<String> in(int machine) {
    return List.of(SCRIPT.toString(), "exec", prefix, Integer.toString(machine));
  }

  @Test
  void theReadmesThreeMachinesRunACohortAndACutOffMinorityIsDownedWhileItsPeerRestartsOnTheMajority()
      throws Exception {
    try (NodeProcesses processes = new NodeProcesses(dir.resolve("logs"))) {
      Cluster cluster = startCluster(processes, "minority", List.of());
      List<JsonNode> up = eventsNamed(cluster.run(), "member-up");
      for (int machine = 1; machine <= 3; machine++) {
        String address = "pekko://cohort@" + host(machine) + ":25520";
        assertTrue(up.stream().anyMatch(e -> e.path("node").asText().equals(address)), address + " in " + up);
      }
      String victim = NodeProcesses.hostedPeer(cluster.third(), "minority");
      awaitCheckpoint(cluster.run(), victim);
      netns("cut", prefix, "3");

      assertTrue(NodeProcesses.exited(cluster.third(), DOWNED_EXIT_LIMIT),
          "the cut-off node downs itself and exits\n" + processes.outputs());
      assertTrue(NodeProcesses.output(cluster.third()).contains("peer " + victim + " pauses: its node reaches only a minority"),
          "its peer stopped training as soon as its node lost the majority\n" + processes.outputs());
      assertTrue(NodeProcesses.exited(cluster.launcher(), RUN_LIMIT), "the run ends\n" + processes.outputs());
      assertEquals(0, cluster.launcher().process().exitValue(), processes.outputs());
      assertFinishedWithOneCopyOf(cluster.run(), victim, "pekko://cohort@" + host(3) + ":25520", processes);
      assertTrue(NodeProcesses.exited(cluster.second(), Duration.ofSeconds(60)), "node 2 exits with the run");
    }
  }

  @Test
  void aPartitionHealedBeforeTheResolverDecidesRestartsNothing() throws Exception {
    try (NodeProcesses processes = new NodeProcesses(dir.resolve("logs"))) {
      // The resolver waits 30 s; the link is back after about 5 s of unreachability.
      Cluster cluster = startCluster(processes, "healed",
          List.of("-Dpekko.cluster.split-brain-resolver.stable-after=30s"));
      String victim = NodeProcesses.hostedPeer(cluster.third(), "healed");
      awaitCheckpoint(cluster.run(), victim);
      netns("cut", prefix, "3");
      NodeProcesses.await("the cut-off node to be seen unreachable", Duration.ofSeconds(30),
          () -> !eventsNamed(cluster.run(), "member-unreachable").isEmpty());
      Thread.sleep(5_000); // a partition of a few seconds, not a wait for a condition
      netns("heal", prefix, "3");

      assertTrue(NodeProcesses.exited(cluster.launcher(), RUN_LIMIT), "the run ends\n" + processes.outputs());
      assertEquals(0, cluster.launcher().process().exitValue(), processes.outputs());
      List<JsonNode> events = FailoverTest.events(cluster.run());
      assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("member-reachable")), events.toString());
      assertFalse(events.stream().anyMatch(e -> e.path("event").asText().matches("peer-(restarting|restarted|given-up)|member-(downed|removed)")),
          "a partition healed before stable-after restarts nothing\n" + processes.outputs());
      assertTrue(NodeProcesses.output(cluster.third()).contains("peer " + victim + ": its node reaches a majority of the cluster again"),
          processes.outputs());
      JsonNode finished = eventsNamed(cluster.run(), "run-finished").get(0);
      assertTrue(finished.path("success").asBoolean(), finished.toString());
      // Back from the partition behind the others, it hears how far they got and does not wait
      // max-wait at every batch in between for predictions lost on the way (its waits before the
      // failure detector noticed the cut are no concern here).
      String third = NodeProcesses.output(cluster.third());
      String afterHeal = third.substring(third.indexOf("its node reaches a majority of the cluster again"));
      long waits = afterHeal.lines().filter(l -> l.contains("peer " + victim + ": no predictions from")).count();
      System.out.println("healed: peer " + victim + " waited max-wait " + waits + " time(s) after the heal");
      assertTrue(waits <= 1, waits + " waits of max-wait after the heal\n" + processes.outputs());
      assertTrue(NodeProcesses.exited(cluster.third(), Duration.ofSeconds(60)), "node 3 exits with the run");
    }
  }

  @Test
  void whenTheCoordinatorsMachineIsCutOffTheMajorityTakesTheRunOver() throws Exception {
    try (NodeProcesses processes = new NodeProcesses(dir.resolve("logs"))) {
      Cluster cluster = startCluster(processes, "takeover", List.of());
      String victim = NodeProcesses.hostedPeer(cluster.launcher(), "takeover");
      awaitCheckpoint(cluster.run(), victim);
      netns("cut", prefix, "1");

      assertTrue(NodeProcesses.exited(cluster.launcher(), DOWNED_EXIT_LIMIT),
          "the launcher, cut off, is downed and says so\n" + processes.outputs());
      assertEquals(1, cluster.launcher().process().exitValue(), processes.outputs());
      assertTrue(NodeProcesses.output(cluster.launcher()).contains("this node left the cluster before the run ended"),
          processes.outputs());
      assertTrue(NodeProcesses.exited(cluster.second(), RUN_LIMIT), "node 2 exits with the run\n" + processes.outputs());
      assertTrue(NodeProcesses.exited(cluster.third(), Duration.ofSeconds(60)), "node 3 exits with the run");
      assertFalse(eventsNamed(cluster.run(), "coordinator-took-over").isEmpty(), processes.outputs());
      assertFinishedWithOneCopyOf(cluster.run(), victim, "pekko://cohort@" + host(1) + ":25520", processes);
    }
  }

  /**
   * The run finished with a best peer, and {@code victim} trained as one copy at a time: it was
   * restarted once, on another node, after its own node was downed (or, the coordinator's node
   * lost, by the takeover), and its reports never go back to an earlier incarnation.
   */
  private static void assertFinishedWithOneCopyOf(Path run, String victim, String lostNode, NodeProcesses processes)
      throws IOException {
    List<JsonNode> events = FailoverTest.events(run);
    String all = processes.outputs();
    JsonNode finished = events.stream().filter(e -> e.path("event").asText().equals("run-finished")).findFirst()
        .orElseThrow(() -> new AssertionError("no run-finished event\n" + all));
    assertTrue(finished.path("success").asBoolean(), finished + all);
    assertFalse(events.stream().filter(e -> e.path("event").asText().equals("best-peer-chosen")).toList().isEmpty());

    List<JsonNode> restarted = events.stream()
        .filter(e -> e.path("event").asText().equals("peer-restarted") && e.path("peer").asText().equals(victim))
        .toList();
    assertEquals(1, restarted.size(), "one new copy of " + victim + ": " + restarted + all);
    assertFalse(restarted.get(0).path("node").asText().equals(lostNode), restarted + all);
    int restarting = indexOf(events, "peer-restarting", victim);
    int downed = events.stream().filter(e -> e.path("event").asText().matches("member-downed|member-removed|coordinator-took-over")
        && (e.path("node").asText().equals(lostNode) || e.path("event").asText().equals("coordinator-took-over")))
        .mapToInt(events::indexOf).min().orElse(Integer.MAX_VALUE);
    assertTrue(restarting > downed, "restarted only once its node was downed: " + events);

    int incarnation = 0;
    for (JsonNode report : Metrics.of(run)) {
      if (report.path("peer").asText().equals(victim)) {
        int restarts = report.path("restarts").asInt();
        assertTrue(restarts >= incarnation, "a report of an earlier copy after a later one's: " + report);
        incarnation = restarts;
      }
    }
    assertEquals(1, incarnation, "the restarted copy trained on");
    assertTrue(Files.size(run.resolve("best/model.zip")) > 0);
  }

  private static int indexOf(List<JsonNode> events, String name, String peer) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).path("event").asText().equals(name) && events.get(i).path("peer").asText().equals(peer)) {
        return i;
      }
    }
    throw new AssertionError("no " + name + " event of " + peer + ": " + events);
  }

  private static List<JsonNode> eventsNamed(Path run, String name) {
    return FailoverTest.events(run).stream().filter(e -> e.path("event").asText().equals(name)).toList();
  }

  private static void awaitCheckpoint(Path run, String peer) throws InterruptedException {
    NodeProcesses.await("a checkpoint of " + peer, Duration.ofSeconds(120), () -> FailoverTest.events(run).stream()
        .anyMatch(e -> e.path("event").asText().equals("checkpoint") && e.path("peer").asText().equals(peer)));
  }
}
