package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.nn.PeerNetwork;
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
 * A peer whose learning rate makes it diverge in a mutual-learning cohort: it is reported and
 * dropped, the others finish with finite weights (nothing non-finite ever reached them), and the
 * best peer is one of them.
 */
class DivergingPeerTest {

  @TempDir Path dir;

  @Test
  void aDivergingPeerIsDroppedAndTheOthersNeverSeeANonFiniteValue() throws IOException {
    Path runs = dir.resolve("runs");
    Path file = dir.resolve("diverging.conf");
    Files.writeString(file,
        "cohort {\n"
            + "  run { id = \"nan\", directory = \"" + runs + "\" }\n"
            + "  data { format = synthetic, validation-size = 100,\n"
            + "         synthetic { train-examples = 600, test-examples = 100, features = 10, classes = 3 } }\n"
            + "  training { epochs = 3, batch-size = 40, learning-rate = 0.01, checkpoint-every = 1 }\n"
            + "  distillation.topology = dml\n"
            + "  cluster.nodes = 1\n"
            + "  peers = [ { name = a, hidden = [8] }, { name = b, hidden = [8] },\n"
            + "            { name = wild, hidden = [8], learning-rate = 1e30 } ]\n"
            + "}\n");

    PrintStream originalOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(new String[] {"run", file.toString()});
    } finally {
      System.setOut(originalOut);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
    assertTrue(printed.contains("peer wild lost: ") && printed.contains("diverged at step 1"), printed);

    Path run = runs.resolve("nan");
    List<String> events = Files.readAllLines(run.resolve("events.jsonl"));
    assertTrue(events.stream().anyMatch(e -> e.contains("\"peer-lost\"") && e.contains("\"wild\"")
        && e.contains("learning rate 1.0E30 may be too high")), String.join("\n", events));
    assertFalse(events.stream().anyMatch(e -> e.contains("\"peer-restarting\"")), "an error of its own: not restarted");
    String best = events.stream().filter(e -> e.contains("\"best-peer-chosen\"")).findFirst().orElseThrow();
    assertFalse(best.contains("\"wild\""), best);

    List<String> reports = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
        .filter(line -> line.contains("\"teacher_timeouts\"")).toList();
    assertFalse(reports.isEmpty());
    for (String metrics : reports) {
      assertTrue(metrics.contains("\"teacher_timeouts\":0"), "a step waiting for wild ends when it is gone: " + metrics);
    }
    for (String peer : List.of("a", "b")) {
      List<Path> saved;
      try (Stream<Path> files = Files.walk(run.resolve("checkpoints").resolve(peer))) {
        saved = files.filter(f -> f.toString().endsWith(".zip")).toList();
      }
      assertFalse(saved.isEmpty(), peer);
      for (Path checkpoint : saved) {
        assertTrue(PeerNetwork.load(checkpoint, "mlp").isFinite(), checkpoint + ": its weights are finite");
      }
    }
  }
}
