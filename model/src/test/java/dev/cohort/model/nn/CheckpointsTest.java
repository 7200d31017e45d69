package dev.cohort.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.data.SyntheticData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

  @TempDir Path dir;

  private static final LabeledData DATA = SyntheticData.gaussianClusters(200, 8, 3, 0.3, 3);

  private static PeerNetwork network() {
    return PeerNetwork.of(new MlpPreset(8, List.of(16), 3), 1, 0.01, new DistillationLoss(0.5, 2));
  }

  private static void step(PeerNetwork network, int batch) {
    int[] rows = new BatchSchedule(DATA.size(), 20, 1).batch(0, batch);
    network.train(DATA.features(rows), SoftTargets.labels(DATA.labels(rows), new float[rows.length * 3], 3));
  }

  private static Checkpoints.State state(long step) {
    return new Checkpoints.State(step, step - 1, 0, (int) step, false, false);
  }

  @Test
  void restoresTheNewestCheckpointWithItsWeightsUpdaterAndPosition() throws IOException {
    Checkpoints checkpoints = new Checkpoints(dir.resolve("a"));
    PeerNetwork network = network();
    step(network, 0);
    checkpoints.write(network, state(1));
    step(network, 1);
    checkpoints.write(network, state(2));

    Checkpoints.Restored restored = checkpoints.latest("mlp").orElseThrow();
    assertEquals(state(2), restored.state());
    assertEquals(network.parameters(), restored.network().parameters());
    assertTrue(restored.rejected().isEmpty());
    // The updater state came back too: one more identical step gives identical weights.
    step(network, 2);
    step(restored.network(), 2);
    assertEquals(network.parameters(), restored.network().parameters());
  }

  @Test
  void keepsOnlyTheNewestThree() throws IOException {
    Checkpoints checkpoints = new Checkpoints(dir.resolve("a"));
    PeerNetwork network = network();
    for (int s = 1; s <= 5; s++) {
      checkpoints.write(network, state(s));
    }
    assertEquals(
        List.of("step-000000005.json", "step-000000004.json", "step-000000003.json"),
        checkpoints.marks().stream().map(p -> p.getFileName().toString()).toList());
    assertEquals(6, Files.list(dir.resolve("a")).count());
  }

  @Test
  void aCorruptOrMissingNewestCheckpointIsNamedAndThePreviousGoodOneIsUsed() throws IOException {
    Checkpoints checkpoints = new Checkpoints(dir.resolve("a"));
    PeerNetwork network = network();
    checkpoints.write(network, state(1));
    var good = network.parameters();
    step(network, 0);
    Path second = checkpoints.write(network, state(2));
    step(network, 1);
    Path third = checkpoints.write(network, state(3));
    byte[] bytes = Files.readAllBytes(third);
    Files.write(third, java.util.Arrays.copyOf(bytes, bytes.length / 2)); // torn by hand
    Files.delete(second);

    Checkpoints.Restored restored = checkpoints.latest("mlp").orElseThrow();
    assertEquals(1, restored.state().step());
    assertEquals(good, restored.network().parameters());
    assertEquals(2, restored.rejected().size(), restored.rejected().toString());
    assertTrue(restored.rejected().get(0).contains("step-000000003.json")
        && restored.rejected().get(0).contains("does not match its checksum"), restored.rejected().get(0));
    assertTrue(restored.rejected().get(1).contains("step-000000002.json")
        && restored.rejected().get(1).contains("missing"), restored.rejected().get(1));
  }

  @Test
  void noUsableCheckpointAtAllIsAnErrorNamingEachFile() throws IOException {
    Checkpoints checkpoints = new Checkpoints(dir.resolve("a"));
    checkpoints.write(network(), state(1));
    Files.writeString(dir.resolve("a/step-000000001.json"), "{ not json");
    IOException e = assertThrows(IOException.class, () -> checkpoints.latest("mlp"));
    assertTrue(e.getMessage().contains("step-000000001.json"), e.getMessage());
  }

  @Test
  void noCheckpointYetIsEmpty() throws IOException {
    assertTrue(new Checkpoints(dir.resolve("none")).latest("mlp").isEmpty());
  }
}
