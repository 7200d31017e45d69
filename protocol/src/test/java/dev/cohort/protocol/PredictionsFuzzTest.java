package dev.cohort.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated bytes where a peer's predictions are expected: they either fail to parse
 * (the wire drops them), or decode to probabilities, or are refused with an
 * IllegalArgumentException naming why — never another exception, and never a NaN, an infinity, a
 * negative value or a row that does not sum to 1 handed on. Seeded: a failure repeats.
 */
class PredictionsFuzzTest {

  private static final int ROUNDS = 20_000;
  /** What a peer's intake lets through to decoding: its own classes, at most a batch of rows. */
  private static final long MAX_DECLARED_VALUES = 1 << 20;

  private static float[] softmaxRows(int rows, int classes, Random random) {
    float[] values = new float[rows * classes];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        values[r * classes + c] = (float) Math.exp(4 * random.nextGaussian());
        sum += values[r * classes + c];
      }
      for (int c = 0; c < classes; c++) {
        values[r * classes + c] /= (float) sum;
      }
    }
    return values;
  }

  private static List<byte[]> seeds(Random random) {
    List<byte[]> seeds = new ArrayList<>();
    for (ProbabilityCodec.Format format : List.of(ProbabilityCodec.Format.of(Encoding.FLOAT32),
        ProbabilityCodec.Format.of(Encoding.FLOAT16), new ProbabilityCodec.Format(Encoding.TOP_K, 3))) {
      for (int[] shape : new int[][] {{1, 4}, {8, 10}, {32, 10}, {3, 300}}) {
        float[] rows = softmaxRows(shape[0], shape[1], random);
        SoftPredictions.Builder message = SoftPredictions.newBuilder().setRunId("run").setFromPeer("a")
            .setModelStep(7).setBatchId(7).setRows(shape[0]).setClasses(shape[1]).setTemperature(3f)
            .setEncoding(format.encoding()).setTopK(format.encoding() == Encoding.TOP_K ? format.topK() : 0)
            .setPayload(ProbabilityCodec.encode(rows, shape[1], format));
        if (shape[0] == 8) {
          message.setFirstRow(8).setBatchRows(16).setValidationAccuracy(0.5);
        }
        seeds.add(PeerInbox.newBuilder().setPredictions(message).build().toByteArray());
      }
    }
    return seeds;
  }

  /** One of: flipped bits, overwritten bytes, a cut, an inserted run, a splice of two messages, noise. */
  private static byte[] mutate(byte[] bytes, List<byte[]> seeds, Random random) {
    byte[] out = bytes.clone();
    switch (random.nextInt(6)) {
      case 0 -> {
        for (int i = 0, n = 1 + random.nextInt(4); i < n && out.length > 0; i++) {
          out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> {
        for (int i = 0, n = 1 + random.nextInt(8); i < n && out.length > 0; i++) {
          out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
      }
      case 2 -> out = Arrays.copyOf(out, random.nextInt(out.length + 1));
      case 3 -> {
        int at = random.nextInt(out.length + 1);
        byte[] run = new byte[1 + random.nextInt(16)];
        random.nextBytes(run);
        byte[] longer = new byte[out.length + run.length];
        System.arraycopy(out, 0, longer, 0, at);
        System.arraycopy(run, 0, longer, at, run.length);
        System.arraycopy(out, at, longer, at + run.length, out.length - at);
        out = longer;
      }
      case 4 -> {
        byte[] other = seeds.get(random.nextInt(seeds.size()));
        int cut = random.nextInt(Math.min(out.length, other.length) + 1);
        System.arraycopy(other, cut, out, cut, Math.min(other.length, out.length) - cut);
      }
      default -> {
        out = new byte[random.nextInt(64)];
        random.nextBytes(out);
      }
    }
    return out;
  }

  @Test
  void mutatedPredictionsDecodeToProbabilitiesOrAreRefusedByName() {
    Random random = new Random(20261207);
    List<byte[]> seeds = seeds(random);
    int parsed = 0;
    int decoded = 0;
    int refused = 0;
    for (int round = 0; round < ROUNDS; round++) {
      byte[] bytes = seeds.get(random.nextInt(seeds.size()));
      for (int m = 0, n = 1 + random.nextInt(3); m < n; m++) {
        bytes = mutate(bytes, seeds, random);
      }
      PeerInbox inbox;
      try {
        inbox = PeerInbox.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        continue; // Pekko's ProtobufSerializer fails the same way, and the message is dropped
      }
      parsed++;
      if (!inbox.hasPredictions()) {
        continue;
      }
      SoftPredictions p = inbox.getPredictions();
      if (p.getRows() < 0 || p.getClasses() < 0 || (long) p.getRows() * p.getClasses() > MAX_DECLARED_VALUES) {
        continue; // a peer's intake refuses these shapes before decoding (another class count, > a batch of rows)
      }
      float[] values;
      try {
        values = ProbabilityCodec.decode(p);
      } catch (IllegalArgumentException e) {
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a refusal says why");
        refused++;
        continue;
      } catch (RuntimeException e) {
        fail("round " + round + ": " + e + " escaped decoding " + p.getRows() + " x " + p.getClasses() + " "
            + p.getEncoding() + " k=" + p.getTopK() + " (" + p.getPayload().size() + " bytes)", e);
        return;
      }
      decoded++;
      assertEquals((long) p.getRows() * p.getClasses(), values.length);
      for (int r = 0; r < p.getRows(); r++) {
        double sum = 0;
        for (int c = 0; c < p.getClasses(); c++) {
          float v = values[r * p.getClasses() + c];
          assertTrue(Float.isFinite(v) && v >= 0 && v <= 1.001f, "round " + round + ": value " + v);
          sum += v;
        }
        assertEquals(1.0, sum, 0.01, "round " + round + ": row " + r);
      }
    }
    // The mutations reach every outcome, so the test tests something.
    assertTrue(parsed > ROUNDS / 10 && decoded > 100 && refused > 100,
        "parsed " + parsed + ", decoded " + decoded + ", refused " + refused);
  }
}
