package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated bytes in place of a teacher's predictions, through the peer's own intake as
 * the wire inbox hands them over: whatever parses goes in, no exception comes out, and a target a
 * student would train on holds finite probabilities only. Seeded: a failure repeats.
 */
class PredictionIntakeFuzzTest {

  private static final int CLASSES = 10;
  private static final int BATCH = 128; // the batch size of PeerSide's settings (the default)
  private static final int ROUNDS = 4_000;

  private static byte[] message(long batchId, int rows, int firstRow, int batchRows, ProbabilityCodec.Format format,
      Random random) {
    float[] values = new float[rows * CLASSES];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int c = 0; c < CLASSES; c++) {
        values[r * CLASSES + c] = (float) Math.exp(3 * random.nextGaussian());
        sum += values[r * CLASSES + c];
      }
      for (int c = 0; c < CLASSES; c++) {
        values[r * CLASSES + c] /= (float) sum;
      }
    }
    SoftPredictions.Builder p = SoftPredictions.newBuilder().setRunId("run").setFromPeer("a").setBatchId(batchId)
        .setModelStep(batchId).setRows(rows).setClasses(CLASSES).setTemperature(2f).setEncoding(format.encoding())
        .setTopK(format.encoding() == Encoding.TOP_K ? format.topK() : 0)
        .setPayload(ProbabilityCodec.encode(values, CLASSES, format));
    if (batchRows > 0) {
      p.setFirstRow(firstRow).setBatchRows(batchRows);
    }
    return PeerInbox.newBuilder().setPredictions(p).build().toByteArray();
  }

  private static byte[] mutate(byte[] bytes, Random random) {
    byte[] out = bytes.clone();
    switch (random.nextInt(4)) {
      case 0 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
      case 1 -> {
        for (int i = 0, n = 1 + random.nextInt(6); i < n; i++) {
          out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
      }
      case 2 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length + 1));
      default -> {
        // a field's value near the message's start (ids, shape, encoding), where the varints are
        int at = random.nextInt(Math.min(out.length, 40));
        out[at] = (byte) random.nextInt(256);
      }
    }
    return out;
  }

  @Test
  void mutatedPredictionsNeverEscapeTheIntakeNorReachATargetNonFinite() {
    Random random = new Random(7);
    int reachedTargets = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "s")), TeacherWeighting.NONE);
      PredictionIntake intake = new PeerSide(exchange, 2.0, CLASSES).intake(Long.MAX_VALUE, () -> false);
      ProbabilityCodec.Format format = List.of(ProbabilityCodec.Format.of(Encoding.FLOAT32),
          ProbabilityCodec.Format.of(Encoding.FLOAT16), new ProbabilityCodec.Format(Encoding.TOP_K, 3))
          .get(random.nextInt(3));
      int rows = 1 + random.nextInt(BATCH);
      List<byte[]> wire = new ArrayList<>();
      if (random.nextBoolean()) {
        wire.add(message(0, rows, 0, 0, format, random));
      } else { // two parts of one batch
        int first = Math.max(1, rows / 2);
        wire.add(message(0, first, 0, rows + 1, format, random));
        wire.add(message(0, rows + 1 - first, first, rows + 1, format, random));
        rows = rows + 1;
      }
      for (byte[] bytes : wire) {
        byte[] sent = random.nextInt(4) == 0 ? bytes : mutate(bytes, random);
        PeerInbox inbox;
        try {
          inbox = PeerInbox.parseFrom(sent);
        } catch (InvalidProtocolBufferException e) {
          continue; // the wire's serializer refuses it; the message is dropped
        }
        if (!inbox.hasPredictions()) {
          continue;
        }
        try {
          intake.arrived(inbox.getPredictions());
          intake.drain();
        } catch (RuntimeException e) {
          fail("round " + round + ": " + e + " escaped the intake for " + inbox.getPredictions().toBuilder()
              .clearPayload().build(), e);
        }
      }
      if (exchange.complete(0)) {
        float[] target;
        try {
          target = exchange.takeTarget(0, null, rows * CLASSES, new int[rows]).values();
        } catch (RuntimeException e) {
          fail("round " + round + ": " + e + " taking the target", e);
          return;
        }
        reachedTargets++;
        for (float value : target) {
          assertTrue(Float.isFinite(value) && value >= 0 && value <= 1.001f, "round " + round + ": " + value);
        }
      }
    }
    assertTrue(reachedTargets > ROUNDS / 10, "targets reached: " + reachedTargets);
  }
}
