package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Predictions wider than a frame: the sender splits a batch into messages of whole rows, each
 * within the payload bound, and the receiver puts them back together in any order.
 */
class ChunkAssemblyTest {

  private static Softening softening(String encoding) {
    CohortSettings settings = SettingsParser.parse(ConfigFactory.parseString(
        "cohort { run.id = chunks, distillation { encoding = \"" + encoding + "\", top-k = 10 },"
            + " peers = [{name = a}, {name = b}] }"));
    return new Softening(settings, "a", 1000);
  }

  /** A batch of 128 rows for batch id {@code batchId}, on the link to peer b. */
  private static List<PeerInbox> predictions(Softening softening, long batchId, long modelStep, float[] rows) {
    return softening.encode(batchId, modelStep, 128, rows, softening.formatFor("b"), Double.NaN);
  }

  private static float[] rows(int rows, int classes) {
    Random random = new Random(3);
    float[] values = new float[rows * classes];
    for (int r = 0; r < rows; r++) { // rows of probabilities: each sums to 1
      float sum = 0;
      for (int c = 0; c < classes; c++) {
        values[r * classes + c] = random.nextFloat();
        sum += values[r * classes + c];
      }
      for (int c = 0; c < classes; c++) {
        values[r * classes + c] /= sum;
      }
    }
    return values;
  }

  @Test
  void aBatchAboveTheFrameLimitTravelsInSeveralMessagesAndComesBackWhole() {
    float[] batch = rows(128, 1000);
    List<PeerInbox> parts = predictions(softening("float32"), 7, 6, batch);
    assertEquals(3, parts.size(), "512,000 payload bytes in messages of at most " + Softening.MAX_PAYLOAD_BYTES);
    for (PeerInbox part : parts) {
      assertTrue(part.getPredictions().getPayload().size() <= Softening.MAX_PAYLOAD_BYTES);
      assertEquals(128, part.getPredictions().getBatchRows());
    }
    ChunkAssembly assembly = new ChunkAssembly();
    assertNull(assembly.add(parts.get(2).getPredictions(), ProbabilityCodec.decode(parts.get(2).getPredictions())));
    assertNull(assembly.add(parts.get(0).getPredictions(), ProbabilityCodec.decode(parts.get(0).getPredictions())));
    float[] whole = assembly.add(parts.get(1).getPredictions(), ProbabilityCodec.decode(parts.get(1).getPredictions()));
    assertArrayEquals(batch, whole);
  }

  @Test
  void aBatchThatFitsIsOneMessageAndTopKShrinksTheWideOnes() {
    assertEquals(2, predictions(softening("float16"), 1, 1, rows(128, 1000)).size());
    List<PeerInbox> topK = predictions(softening("top-k"), 1, 1, rows(128, 1000));
    assertEquals(1, topK.size());
    SoftPredictions only = topK.get(0).getPredictions();
    assertEquals(Encoding.TOP_K, only.getEncoding());
    assertEquals(10, only.getTopK());
    assertEquals(0, only.getBatchRows(), "a whole batch in one message says nothing of parts");
    assertEquals(128 * 10 * 4, only.getPayload().size());
  }

  @Test
  void incompleteBatchesAreForgottenOnceTakenAndBadPartsAreRefused() {
    List<PeerInbox> parts = predictions(softening("float32"), 5, 5, rows(128, 1000));
    ChunkAssembly assembly = new ChunkAssembly();
    assertNull(assembly.add(parts.get(0).getPredictions(), ProbabilityCodec.decode(parts.get(0).getPredictions())));
    assembly.forgetThrough(5);
    assertNull(assembly.add(parts.get(1).getPredictions(), ProbabilityCodec.decode(parts.get(1).getPredictions())));
    assertNull(assembly.add(parts.get(2).getPredictions(), ProbabilityCodec.decode(parts.get(2).getPredictions())),
        "the first part was forgotten: the batch stays incomplete");
    SoftPredictions outside = parts.get(2).getPredictions().toBuilder().setFirstRow(120).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> assembly.add(outside, ProbabilityCodec.decode(outside)));
    assertTrue(e.getMessage().contains("of a batch of 128"), e.getMessage());
  }

  @Test
  void topKAboveTheClassesIsRefusedAtStartNamingTheKey() {
    CohortSettings settings = SettingsParser.parse(ConfigFactory.parseString(
        "cohort { run.id = k, distillation { encoding = \"top-k\", top-k = 10 }, peers = [{name = a}, {name = b}] }")
        );
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Softening(settings, "a", 10));
    assertTrue(e.getMessage().contains("distillation.top-k = 10") && e.getMessage().contains("10 classes"), e.getMessage());
  }
}
