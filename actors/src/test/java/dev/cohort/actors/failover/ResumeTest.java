package dev.cohort.actors.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.actors.cli.Cli;
import dev.cohort.model.nn.Checkpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cohort run --resume runs/<id>}: a run whose only JVM was SIGKILLed mid-run continues from
 * its peers' checkpoints in the same run directory and ends with the best peer exported; a corrupt
 * newest checkpoint is reported by name and the previous good one is used. A finished run is not
 * resumed again.
 */
class ResumeTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aKilledRunResumesFromItsCheckpointsSkippingACorruptOne() throws Exception {
    Path runs = dir.resolve("runs");
    Path file = dir.resolve("resume.conf");
    Files.writeString(
        file,
        "cohort {\n"
            + "  run { id = \"resume\", directory = \"" + runs + "\" }\n"
            + "  data { format = synthetic, validation-size = 300,\n"
            + "         synthetic { train-examples = 3300, test-examples = 300, features = 64, classes = 8, noise = 1.2 } }\n"
            + "  training { epochs = 8, batch-size = 50, learning-rate = 0.005, report-every = 10, checkpoint-every = 20 }\n"
            + "  distillation { topology = dml, max-wait = 2s }\n"
            + "  peers = [ { name = a, hidden = [128, 64] }, { name = b, hidden = [128, 64] } ]\n"
            + "}\n");
    Path run = runs.resolve("resume");
    Checkpoints checkpointsOfA = new Checkpoints(run.resolve("checkpoints/a"));
    try (NodeProcesses processes = new NodeProcesses(dir.resolve("logs"))) {
      NodeProcesses.Node first = processes.start("first-run", List.of("run", file.toString()), Map.of());
      NodeProcesses.await("two checkpoints of a and one of b", Duration.ofSeconds(180), () -> {
        try {
          return checkpointsOfA.marks().size() >= 2 && !new Checkpoints(run.resolve("checkpoints/b")).marks().isEmpty();
        } catch (IOException e) {
          return false;
        }
      });
      NodeProcesses.kill(first);
      assertTrue(FailoverTest.events(run).stream().noneMatch(e -> e.path("event").asText().equals("run-finished")),
          "killed mid-run\n" + processes.outputs());
    }
    // Tear the newest checkpoint of a, as a crash in the middle of a copy would.
    Path newest = checkpointsOfA.marks().get(0);
    Path zip = newest.resolveSibling(newest.getFileName().toString().replace(".json", ".zip"));
    byte[] bytes = Files.readAllBytes(zip);
    Files.write(zip, java.util.Arrays.copyOf(bytes, bytes.length / 3));

    Cli.Result resumed = Cli.run("run", "--resume", run.toString());
    assertEquals(0, resumed.code(), resumed.output());
    assertTrue(resumed.output().contains("Resuming run resume"), resumed.output());
    assertTrue(resumed.output().contains("unusable checkpoint " + newest), resumed.output());

    List<JsonNode> events = FailoverTest.events(run);
    assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("run-resumed")));
    JsonNode restoredA = events.stream()
        .filter(e -> e.path("event").asText().equals("checkpoint-restored") && e.path("peer").asText().equals("a"))
        .findFirst().orElseThrow(() -> new AssertionError(resumed.output()));
    assertTrue(restoredA.path("rejected").toString().contains(newest.getFileName().toString()), restoredA.toString());
    assertTrue(restoredA.path("step").asLong() > 0, "a resumed from the previous good checkpoint: " + restoredA);
    assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("checkpoint-restored")
        && e.path("peer").asText().equals("b")));
    JsonNode finished = events.stream().filter(e -> e.path("event").asText().equals("run-finished")).findFirst().orElseThrow();
    assertTrue(finished.path("success").asBoolean(), finished.toString());
    assertTrue(Files.size(run.resolve("best/model.zip")) > 0);

    // Every peer trained to the last epoch, through the resumption.
    List<JsonNode> lastReports = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
        .map(ResumeTest::parse).filter(m -> m.path("finished").asBoolean()).toList();
    assertEquals(List.of("a", "b"), lastReports.stream().map(m -> m.path("peer").asText()).sorted().toList());
    assertTrue(lastReports.stream().allMatch(m -> m.path("epoch").asInt() == 8), lastReports.toString());
    // ... and the resumed run's terminal shows the epochs it trained, up to the last one.
    for (String peer : List.of("a", "b")) {
      assertTrue(resumed.output().lines().anyMatch(line -> line.matches("\\s+8  " + peer + " .*")), resumed.output());
    }

    Cli.Result again = Cli.run("run", "--resume", run.toString());
    assertEquals(2, again.code(), again.output());
    assertTrue(again.output().contains("has already finished"), again.output());
  }

  @Test
  void resumingSomethingThatIsNoRunDirectoryNamesIt() throws Exception {
    Cli.Result result = Cli.run("run", "--resume", dir.resolve("nowhere").toString());
    assertEquals(2, result.code(), result.output());
    assertTrue(result.output().contains("nowhere") && result.output().contains("config.conf"), result.output());
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }
}
