package dev.cohort.actors.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import dev.cohort.actors.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A teacher's node stops answering for a while and comes back: three real JVMs on 127.0.0.1 train
 * three peers by mutual learning with the default max-wait (10 s); one node is frozen with
 * SIGSTOP (no heartbeats, no predictions, sockets open: what a cut link or a stalled machine looks
 * like) and thawed with SIGCONT before the split-brain resolver would down it. The survivors stop
 * waiting for its peer once the failure detector marks its node unreachable, train on meanwhile
 * (waiting max-wait at each step they would manage one step in ten seconds), take it back when it
 * is reachable again, and the run finishes with nothing restarted. The launcher runs with Cohort's
 * own logging set-up, as a user's would: its terminal shows the outage as one line when the node
 * goes and one when it is back, and Pekko's warnings go to the run's log file. Prints the
 * survivors' step rate before and during the outage (docs/RELIABILITY.md).
 */
class OutageTest {

  /** Steps each survivor must train while the node is frozen: 2,000 s at one step per max-wait. */
  private static final int STEPS_DURING_OUTAGE = 200;

  @TempDir Path dir;

  @Test
  void survivorsTrainOnWhileATeachersNodeIsUnreachableAndTakeItBackAfterwards() throws Exception {
    Path runs = dir.resolve("runs");
    Path cohort = dir.resolve("outage.conf");
    Files.writeString(cohort,
        "cohort {\n"
            + "  run { id = \"outage\", directory = \"" + runs + "\" }\n"
            + "  data { format = synthetic, validation-size = 400,\n"
            + "         synthetic { train-examples = 4400, test-examples = 400, features = 64, classes = 8, noise = 1.2 } }\n"
            + "  training { epochs = 40, batch-size = 50, learning-rate = 0.005, report-every = 5, checkpoint-every = 0 }\n"
            + "  distillation { topology = dml }\n"
            + "  peers = [ { name = a, hidden = [64] }, { name = b, hidden = [64] }, { name = c, hidden = [64] } ]\n"
            + "  cluster { nodes = 3, startup-timeout = 120s }\n"
            + "}\n");
    // The frozen node must stay a member: the resolver waits 60 s before downing an unreachable one.
    try (NodeProcesses processes = new NodeProcesses(dir.resolve("logs"),
        List.of("-Dpekko.cluster.split-brain-resolver.stable-after=60s"))) {
      // The launcher as a user runs it: Cohort's own logging set-up, its terminal in launcher.log.
      Path logback = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve("logback.xml");
      NodeProcesses.Node launcher = processes.start("launcher", List.of(),
          List.of("-Dcohort.log.level=", "-Dlogback.configurationFile=" + logback, "-Dslf4j.internal.verbosity=ERROR"),
          List.of("run", cohort.toString(), "--spawn", "0"), Map.of());
      String seed = processes.launcherAddress(launcher);
      List<String> node = List.of("node", "--seed", seed, "--host", "127.0.0.1", "--port", "0", "--slots", "1",
          "--exit-when-finished");
      NodeProcesses.Node second = processes.start("node-2", node, Map.of());
      NodeProcesses.Node third = processes.start("node-3", node, Map.of());
      Path run = runs.resolve("outage");
      Path launcherLog = run.resolve("logs/node-1.log");
      String frozenPeer = NodeProcesses.hostedPeer(third, "outage");
      List<String> survivors = List.of("a", "b", "c").stream().filter(p -> !p.equals(frozenPeer)).toList();
      NodeProcesses.await("some training", Duration.ofSeconds(180), () -> lastStep(run, survivors.get(0)) >= 200);

      Instant pausedAt = Instant.now();
      NodeProcesses.pause(third);
      long[] atPause = {lastStep(run, survivors.get(0)), lastStep(run, survivors.get(1))};
      NodeProcesses.await("the survivors to stop waiting for " + frozenPeer, Duration.ofSeconds(60),
          () -> read(launcherLog).contains("the node of [" + frozenPeer + "] is unreachable")
              && NodeProcesses.output(second).contains("the node of [" + frozenPeer + "] is unreachable"));
      NodeProcesses.await(STEPS_DURING_OUTAGE + " steps of each survivor during the outage", Duration.ofSeconds(120),
          () -> lastStep(run, survivors.get(0)) >= atPause[0] + STEPS_DURING_OUTAGE
              && lastStep(run, survivors.get(1)) >= atPause[1] + STEPS_DURING_OUTAGE);
      Instant resumedAt = Instant.now();
      NodeProcesses.resume(third);
      NodeProcesses.await("the survivors to take " + frozenPeer + " back", Duration.ofSeconds(60),
          () -> read(launcherLog).contains("the node of [" + frozenPeer + "] is reachable again"));

      assertTrue(NodeProcesses.exited(launcher, Duration.ofMinutes(6)), "the run ends\n" + processes.outputs());
      assertEquals(0, launcher.process().exitValue(), processes.outputs());
      List<JsonNode> events = FailoverTest.events(run);
      assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("run-finished")
          && e.path("success").asBoolean()), processes.outputs());
      assertFalse(events.stream().anyMatch(e -> e.path("event").asText().startsWith("peer-restart")),
          "an outage shorter than the resolver's wait restarts nobody\n" + processes.outputs());
      assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("member-unreachable")), "recorded");
      assertEquals(0, timeoutsBetween(run, survivors, pausedAt, resumedAt),
          "no step of a survivor waited out max-wait: it stopped waiting when the node was unreachable\n"
              + processes.outputs());
      assertTrue(lastStep(run, frozenPeer) >= 40 * 80, "the frozen peer trained to the end after its return");
      assertOneLinePerEvent(NodeProcesses.output(launcher), read(launcherLog), frozenPeer, events);
      reportRates(run, survivors, pausedAt, resumedAt, events);
    }
  }

  /**
   * The user's terminal shows the outage as one line per event (unreachable, reachable again:
   * usually one of each, two when the failure detector flaps as the thawed JVM catches up) and no
   * log line at all; the run's log file has the rest, Pekko's own warnings included.
   */
  private static void assertOneLinePerEvent(String terminal, String log, String frozenPeer, List<JsonNode> events) {
    String node = events.stream()
        .filter(e -> e.path("event").asText().equals("peer-placed") && e.path("peer").asText().equals(frozenPeer))
        .findFirst().orElseThrow().path("node").asText();
    long unreachable = events.stream()
        .filter(e -> e.path("event").asText().equals("member-unreachable") && e.path("node").asText().equals(node)).count();
    long reachable = events.stream()
        .filter(e -> e.path("event").asText().equals("member-reachable") && e.path("node").asText().equals(node)).count();
    assertTrue(unreachable >= 1 && reachable == unreachable, events.toString());
    assertEquals(unreachable, terminal.lines()
        .filter(l -> l.equals("node " + node + " is unreachable; its peers [" + frozenPeer + "] are not waited for while it is"))
        .count(), terminal);
    assertEquals(reachable, terminal.lines().filter(l -> l.endsWith("is reachable again")).count(), terminal);
    assertFalse(terminal.lines().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")),
        "no log line on the terminal:\n" + terminal);
    assertTrue(log.lines().anyMatch(l -> l.contains(" WARN ") && l.contains("org.apache.pekko")),
        "Pekko's warnings are in the run's log file");
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** The step of {@code peer}'s latest report in metrics.jsonl (0 before the first). */
  private static long lastStep(Path run, String peer) {
    return Metrics.of(run).stream().filter(m -> m.path("peer").asText().equals(peer))
        .mapToLong(m -> m.path("step").asLong()).max().orElse(0);
  }

  private static long timeoutsBetween(Path run, List<String> peers, Instant from, Instant to) {
    return Metrics.of(run).stream()
        .filter(m -> peers.contains(m.path("peer").asText()))
        .filter(m -> Metrics.time(m).isAfter(from) && Metrics.time(m).isBefore(to))
        .mapToLong(m -> m.path("teacher_timeouts").asLong())
        .sum();
  }

  /**
   * Steps per second of each survivor in the 10 s before the outage and during all of it, the
   * failure detector's seconds included (its reports' steps over the coordinator's clock), and
   * their ratio: a measurement, printed, not asserted.
   */
  private static void reportRates(
      Path run, List<String> survivors, Instant pausedAt, Instant resumedAt, List<JsonNode> events) {
    events.stream().filter(e -> e.path("event").asText().equals("member-unreachable")).findFirst().ifPresent(e ->
        System.out.printf("outage: the coordinator saw the node unreachable %.1f s after it froze%n",
            Duration.between(pausedAt, Instant.parse(e.path("time").asText())).toMillis() / 1000.0));
    for (String peer : survivors) {
      double before = Metrics.rate(run, peer, pausedAt.minusSeconds(10), pausedAt);
      double during = Metrics.rate(run, peer, pausedAt, resumedAt);
      System.out.printf("outage: peer %s trained %.1f steps/s in the 10 s before and %.1f steps/s during the %.1f s"
              + " outage (%.2f of its rate)%n", peer, before, during,
          Duration.between(pausedAt, resumedAt).toMillis() / 1000.0, during / before);
    }
  }
}
