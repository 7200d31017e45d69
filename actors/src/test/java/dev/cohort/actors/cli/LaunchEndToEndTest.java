package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a user runs it: {@code cohort run FILE --nodes 2} starts a second JVM, the two
 * form a cluster over loopback, the run ends with the best peer exported, and the second JVM is
 * gone when the command returns.
 */
class LaunchEndToEndTest {

  @TempDir Path dir;

  /** {@code cohort run FILE --nodes 2}: what it printed, after checking it succeeded. */
  private static String runOnTwoJvms(Path file) {
    return run(file, 2);
  }

  /** {@code cohort run FILE --nodes N}: what it printed, after checking it succeeded. */
  private static String run(Path file, int nodes) {
    PrintStream originalOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(new String[] {"run", file.toString(), "--nodes", String.valueOf(nodes)});
    } finally {
      System.setOut(originalOut);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
    return printed;
  }

  @Test
  void aRunOnTwoJvmsExportsTheBestPeerAndLeavesNoProcessBehind() throws IOException {
    Path runs = dir.resolve("runs");
    Path file = dir.resolve("two-jvms.conf");
    Files.writeString(
        file,
        "cohort {\n"
            + "  run { id = \"e2e\", directory = \"" + runs + "\" }\n"
            + "  data { format = synthetic, validation-size = 100,\n"
            + "         synthetic { train-examples = 400, test-examples = 100, features = 10, classes = 3 } }\n"
            + "  training { epochs = 2, batch-size = 40, learning-rate = 0.01 }\n"
            + "  peers = [ { name = a, hidden = [8] }, { name = b, hidden = [8] } ]\n"
            + "}\n");

    String printed = runOnTwoJvms(file);
    assertTrue(printed.contains("starting 1 more JVM(s)"), printed);
    assertTrue(printed.contains("best peer "), printed);

    Path run = runs.resolve("e2e");
    assertTrue(Files.exists(run.resolve("best/model.zip")), printed);
    assertTrue(Files.exists(run.resolve("best/model-card.json")));
    assertTrue(Files.readString(run.resolve("config.conf")).contains("e2e"));
    String nodeLog = Files.readString(run.resolve("logs/node-2.log"));
    assertTrue(nodeLog.contains("starts on this node"), "the second JVM hosted a peer:\n" + nodeLog);
    List<String> nodes;
    try (Stream<String> lines = Files.lines(run.resolve("events.jsonl"))) {
      nodes = lines.filter(l -> l.contains("peer-placed")).toList();
    }
    assertEquals(2, nodes.stream().map(l -> l.replaceAll(".*\"node\":\"([^\"]+)\".*", "$1")).distinct().count(),
        "the peers are on two different nodes: " + nodes);
    assertTrue(
        ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive),
        "every JVM the launcher started has exited");
  }

  /**
   * Co-teaching under pair label noise is lock-step, so the same run on two JVMs (predictions and
   * the selection they drive crossing Artery) learns exactly what it learns in one: every
   * report's losses and accuracies, and the exported model's test accuracy.
   */
  @Test
  void coTeachingOnTwoJvmsLearnsExactlyWhatItLearnsInOne() throws IOException {
    Path runs = dir.resolve("runs");
    List<List<String>> learnt = new java.util.ArrayList<>();
    for (int nodes : new int[] {1, 2}) {
      Path file = dir.resolve("co-teaching-" + nodes + ".conf");
      Files.writeString(file, "cohort {\n"
          + "  run { id = \"co-teaching-" + nodes + "\", directory = \"" + runs + "\" }\n"
          + "  data { format = synthetic, validation-size = 100, label-noise = 0.35, label-noise-type = pair,\n"
          + "         synthetic { train-examples = 400, test-examples = 100, features = 10, classes = 3 } }\n"
          + "  training { epochs = 3, batch-size = 40, learning-rate = 0.01, report-every = 2 }\n"
          + "  distillation { lambda = 1, selection { method = co-teaching, forget-rate = auto, ramp-epochs = 1 } }\n"
          + "  peers = [ { name = a, hidden = [8] }, { name = b, hidden = [8] } ]\n"
          + "}\n");
      String printed = run(file, nodes);
      List<String> lines = new java.util.ArrayList<>();
      for (String line : Files.readAllLines(runs.resolve("co-teaching-" + nodes).resolve("metrics.jsonl"))) {
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        if (report.has("peer")) { // what was learnt, step by step, without the timings
          lines.add(report.get("peer").asText() + " step " + report.get("step") + " ce " + report.get("ce_loss")
              + " kd " + report.get("kd_loss") + " train " + report.get("train_accuracy") + " val "
              + report.path("val_accuracy") + " " + report.path("val_loss"));
        }
      }
      lines.sort(null);
      learnt.add(lines);
      String exported = printed.replaceAll("(?s).*(exported \\S+ \\(MLP[^\n]*).*", "$1");
      learnt.add(List.of(exported));
    }
    assertTrue(learnt.get(0).size() >= 12, "two peers' reports over 3 epochs: " + learnt.get(0));
    assertTrue(learnt.get(1).get(0).startsWith("exported "), learnt.get(1).get(0));
    assertEquals(learnt.get(0), learnt.get(2), "the same reports, one JVM or two");
    assertEquals(learnt.get(1), learnt.get(3), "the same exported peer and test accuracy");
  }

  /**
   * Predictions wider than an Artery frame (256 KiB): 1,000 classes x 128 rows in float32 are
   * 512,000 bytes a batch. They cross between the two JVMs in parts, every step, and none is
   * missing; top-k would have sent 1 % of it.
   */
  @Test
  void predictionsAboveTheFrameSizeCrossBetweenJvmsInParts() throws IOException {
    Path runs = dir.resolve("runs");
    Path file = dir.resolve("wide.conf");
    Files.writeString(
        file,
        "cohort {\n"
            + "  run { id = \"wide\", directory = \"" + runs + "\" }\n"
            + "  data { format = synthetic, validation-size = 200,\n"
            + "         synthetic { train-examples = 1480, test-examples = 200, features = 16, classes = 1000, noise = 0.2 } }\n"
            + "  training { epochs = 1, batch-size = 128, report-every = 3 }\n"
            + "  distillation { topology = dml, encoding = float32, max-wait = 60s }\n"
            + "  peers = [ { name = a, hidden = [32] }, { name = b, hidden = [32] } ]\n"
            + "}\n");
    runOnTwoJvms(file);
    List<String> reports;
    try (Stream<String> lines = Files.lines(runs.resolve("wide/metrics.jsonl"))) {
      reports = lines.filter(l -> l.contains("\"prediction_bytes\"") && !l.contains("\"epoch_end\":true")).toList();
    }
    for (String peer : List.of("a", "b")) {
      assertTrue(reports.stream().filter(r -> r.contains("\"peer\":\"" + peer + "\"")).count() >= 3,
          "peer " + peer + " reported every 3rd of its 12 steps: " + reports);
    }
    for (String report : reports) {
      double bytes = Double.parseDouble(report.replaceAll(".*\"prediction_bytes\":([0-9.E]+).*", "$1"));
      assertTrue(bytes > 256 * 1024, "a step's predictions on one link exceed a frame: " + report);
      assertTrue(report.contains("\"teacher_timeouts\":0,"), "no predictions missing: " + report);
      assertTrue(!report.contains("\"kd_loss\":0.0,"), "the predictions were used: " + report);
    }
  }
}
