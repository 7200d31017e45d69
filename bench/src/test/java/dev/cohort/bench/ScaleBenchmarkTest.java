package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.actors.cli.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale harness: its arithmetic on a hand-made run, and the harness itself, for real and small
 * as CI can afford (K = 8 peers on 4 JVMs, dml, random-k and node-ensemble). Its speeds are not checked (the
 * machine is shared); what the topology fixes is: messages per step per node.
 */
class ScaleBenchmarkTest {

  @Test
  void figuresCountEachPeersProgressWindowsPerNodeAndLeaveEpochEndsAndWarmUpOut(@TempDir Path run) throws Exception {
    // Two peers on node A, one on node B. Epoch 1 is warm-up; epoch-end lines repeat the epoch's sums.
    Files.writeString(run.resolve("metrics.jsonl"), String.join("\n",
        line("a", "A", 1, 10, 5.0, 99, 99, 999, false, 1000, 7),
        line("b", "A", 1, 10, 5.0, 99, 99, 999, false, 1000, 9),
        line("c", "B", 1, 10, 5.0, 99, 99, 999, false, 1000, 11),
        line("a", "A", 1, 20, 5.0, 99, 99, 999, true, 1000, 7),
        line("a", "A", 2, 30, 10.0, 20, 10, 100, false, 2000, 20), // 10 steps in 1 s: 2 messages a step
        line("a", "A", 2, 50, 20.0, 40, 20, 100, false, 3000, 40), // 20 steps in 1 s
        line("b", "A", 1, 20, 5.0, 99, 99, 999, true, 1000, 9),
        line("b", "A", 2, 40, 4.0, 20, 20, 200, false, 2500, 10), // 20 steps in 5 s: 1 message a step, all remote
        line("c", "B", 2, 40, 8.0, 60, 0, 50, false, 2500, 30), // from step 10: 30 steps in 3.75 s, 2 a step
        "{\"cohort\": true, \"epoch\": 1}") + "\n");
    Files.writeString(run.resolve("events.jsonl"), "{\"event\": \"run-finished\", \"success\": true}\n");

    ScaleFigures figures = ScaleFigures.read(run, Instant.EPOCH, 2);

    assertEquals(Map.of("A", 2.0 + 1.0, "B", 2.0), figures.messagesPerStep(), "a's 60/30 plus b's 20/20; c's 60/30");
    assertEquals(Map.of("A", 1.0 + 1.0, "B", 0.0), figures.remoteMessagesPerStep());
    assertEquals(Map.of("A", (20 * 100 + 40 * 100) / 30.0 + 20 * 200 / 20.0, "B", 60 * 50 / 30.0), figures.bytesPerStep());
    assertEquals(30 / 2.0, figures.stepsPerSecond().get("a"), 1e-9, "30 steps in 1 s + 1 s");
    assertEquals(20 / 5.0, figures.stepsPerSecond().get("b"), 1e-9);
    assertEquals(8.0, figures.stepsPerSecond().get("c"), 1e-9);
    assertEquals(60 / 2.0 + 20 / 5.0 + 60 / 3.75, figures.messagesPerSecond(), 1e-9);
    assertEquals(List.of(7.0, 9.0, 11.0, 7.0, 20.0, 40.0, 9.0, 10.0, 30.0), figures.reportLagMillis());
    assertTrue(figures.finished());
    assertEquals(1.0, figures.startSeconds(), 1e-9, "the last peer's first report, 1 s after launch");
  }

  private static String line(String peer, String node, int epoch, long step, double stepsPerSecond, long sent,
      long remote, double bytes, boolean epochEnd, long sentAt, long lag) {
    return String.format(java.util.Locale.ROOT, "{\"time\": \"%s\", \"peer\": \"%s\", \"node\": \"%s\", \"epoch\": %d,"
            + " \"step\": %d, \"steps_per_second\": %s, \"predictions_sent\": %d, \"predictions_sent_remote\": %d,"
            + " \"prediction_bytes\": %s, \"epoch_end\": %s, \"teacher_timeouts\": 0, \"sent_at_ms\": %d, \"report_lag_ms\": %d}",
        Instant.ofEpochMilli(sentAt).toString(), peer, node, epoch, step, stepsPerSecond, sent, remote, bytes, epochEnd,
        sentAt, lag);
  }

  @Test
  void aKillsRecoveryIsReadFromTheEventsAfterItAndTheReportsAround(@TempDir Path run) throws Exception {
    Instant kill = Instant.parse("2026-12-07T10:00:10Z");
    Files.writeString(run.resolve("events.jsonl"), String.join("\n",
        event("09:59:00", "peer-restarted", "x", ""), // before the kill: not this fault's
        event("10:00:13", "member-unreachable", "", ""),
        event("10:00:30", "member-downed", "", ""),
        event("10:00:31", "member-downed", "", ""),
        event("10:00:31", "peer-lost", "b", ""),
        event("10:00:31", "peer-lost", "c", ""),
        event("10:00:32", "peer-restarting", "b", ""),
        event("10:00:34", "checkpoint-restored", "b", ", \"step\": 40"),
        event("10:00:34", "peer-restarted", "b", ""),
        event("10:00:35", "peer-given-up", "c", "")) + "\n");
    Files.writeString(run.resolve("metrics.jsonl"), String.join("\n",
        report("10:00:05", "b", 1, 50, 0, false), // its last report before the kill: 10 steps since step 40
        report("10:00:09", "a", 1, 52, 0, false),
        report("10:00:36", "b", 2, 45, 1, false), // restarted: trains again
        report("10:01:00", "a", 2, 100, 0, true),
        report("10:01:02", "b", 2, 100, 1, true)) + "\n");

    FaultFigures faults = FaultFigures.read(run, kill, 2, 3, 2);

    assertEquals(java.util.Set.of("b", "c"), faults.lost());
    assertEquals(java.util.Set.of("b"), faults.restarted());
    assertEquals(1, faults.givenUp());
    assertEquals(List.of("c"), faults.lostButNotRestarted());
    assertEquals(21.0, faults.downedSeconds(), 1e-9, "the last node downed 21 s after the kill");
    assertEquals(26.0, faults.recoverySeconds(), 1e-9, "b's first report after its restart");
    assertEquals(Map.of("b", 10L), faults.stepsRedone());
    assertFalse(faults.everyPeerFinished(), "c never finished: 2 of 3");
  }

  private static String event(String time, String name, String peer, String more) {
    return "{\"time\": \"2026-12-07T" + time + "Z\", \"event\": \"" + name + "\"" + (peer.isEmpty() ? "" : ", \"peer\": \"" + peer + "\"")
        + more + "}";
  }

  private static String report(String time, String peer, int epoch, long step, int restarts, boolean finished) {
    return "{\"time\": \"2026-12-07T" + time + "Z\", \"peer\": \"" + peer + "\", \"epoch\": " + epoch + ", \"step\": " + step
        + ", \"restarts\": " + restarts + ", \"finished\": " + finished + "}";
  }

  @Test
  void eightPeersOnFourJvmsSendWhatTheirTopologyFixesAndTheReportSaysSo(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("SCALE.md");
    Cli.Result result = Cli.run("bench", "scale", "--sizes", "8@4", "--topologies", "dml,random-k,node-ensemble", "--epochs", "3",
        "--steps-per-epoch", "40", "--runs", dir.resolve("runs").toString(), "--out", out.toString());
    assertEquals(0, result.code(), result.output());
    String md = Files.readString(out);

    // dml: each of a node's 2 peers sends to the 7 others every step, 6 of them on other nodes, 2
    // on each: one message per other node (distillation.one-message-per-node), handed on there
    String[] dml = row(md, "dml K=8 on 4 JVMs");
    assertEquals("14.0", dml[5], "dml messages per step per node\n" + md);
    assertEquals("6.0", dml[6], "dml messages to other nodes\n" + md);
    assertTrue(md.contains("| dml K=8 on 4 JVMs: prediction messages between nodes per step"
        + " (one per student: K²(1−1/N) = 48) | K(N−1) = 24 | 24.0 | yes |"), md);
    // random-k, k = 2: each peer sends to the students that drew it, 2 per step on average over a node
    String[] randomK = row(md, "random-k K=8 on 4 JVMs");
    double sent = Double.parseDouble(randomK[5]);
    assertTrue(sent > 0 && sent < 14, "random-k sends fewer messages than dml: " + sent + "\n" + md);
    // node-ensemble: a node's sender sends one aggregate a step to each of the 3 other nodes; locally,
    // each peer to its node's other peer, and the receiver of each aggregate passes it on to it
    String[] nodeEnsemble = row(md, "node-ensemble K=8 on 4 JVMs");
    assertEquals("3.0", nodeEnsemble[6], "node-ensemble messages to other nodes: N − 1 per node\n" + md);
    assertTrue(md.contains("| node-ensemble K=8 on 4 JVMs: prediction messages between nodes per step"
        + " (one per student: K²(1−1/N) = 48) | N(N−1) = 12 | 12.0 | yes |"), md);
    for (String[] r : List.of(dml, randomK, nodeEnsemble)) {
      assertTrue(Double.parseDouble(r[2]) > 0, "start time " + Arrays.toString(r));
      assertTrue(Double.parseDouble(r[3]) > 0, "steps/s " + Arrays.toString(r));
      assertTrue(Double.parseDouble(r[8].replace(",", "")) > 0, "messages/s " + Arrays.toString(r));
      for (int column : new int[] {9, 10, 11}) {
        assertFalse(r[column].contains("—"), "report lag, /api and SSE lag measured: " + Arrays.toString(r));
      }
      assertTrue(Double.parseDouble(r[12].split(" ")[0]) > 0, "resident memory " + Arrays.toString(r));
    }
    for (String label : List.of("dml K=8 on 4 JVMs", "random-k K=8 on 4 JVMs", "node-ensemble K=8 on 4 JVMs")) {
      String[] cpu = md.substring(md.indexOf("## CPU per prediction message")).lines()
          .filter(l -> l.startsWith("| " + label + " |")).findFirst().orElseThrow().split("\\|");
      assertTrue(Double.parseDouble(cpu[3].trim()) > 0 && Double.parseDouble(cpu[4].trim()) > 0,
          "cores busy and CPU per message measured: " + String.join("|", cpu));
    }
    assertTrue(md.contains("| dml K=8 on 4 JVMs: the run finishes and exports its best peer | yes | yes | yes |"), md);
    assertTrue(Files.size(dir.resolve("scale-steps.png")) > 0 && Files.size(dir.resolve("scale-messages.png")) > 0);
    // every JVM, the launcher's too (COHORT_SLOTS = 2), hosts two peers
    Map<String, Long> placed = Files.readAllLines(dir.resolve("runs/scale-dml-k8-n4/events.jsonl")).stream()
        .filter(l -> l.contains("\"event\":\"peer-placed\""))
        .map(l -> l.replaceAll(".*\"node\":\"([^\"]*)\".*", "$1"))
        .collect(java.util.stream.Collectors.groupingBy(n -> n, java.util.stream.Collectors.counting()));
    assertEquals(4, placed.size(), placed.toString());
    assertTrue(placed.values().stream().allMatch(n -> n == 2), "two peers on each JVM: " + placed);
  }

  /** The cells of the table row whose first cell is {@code label} (index 1 is that cell). */
  private static String[] row(String md, String label) {
    String line = md.lines().filter(l -> l.startsWith("| " + label + " |")).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + label + " in\n" + md));
    return Arrays.stream(line.split("\\|")).map(String::trim).toArray(String[]::new);
  }
}
