package dev.cohort.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopKCodecTest {

  /** softmax(z / T) of Gaussian logits with a few large ones: rows shaped like a teacher's. */
  private static float[] softenedRows(int rows, int classes, double temperature, long seed) {
    Random random = new Random(seed);
    float[] values = new float[rows * classes];
    for (int r = 0; r < rows; r++) {
      double[] z = new double[classes];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        z[c] = random.nextGaussian() * 2 + (random.nextInt(classes) < 3 ? 8 : 0);
        max = Math.max(max, z[c] / temperature);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(z[c] / temperature - max);
      }
      for (int c = 0; c < classes; c++) {
        values[r * classes + c] = (float) (Math.exp(z[c] / temperature - max) / sum);
      }
    }
    return values;
  }

  private static ProbabilityCodec.Format topK(int k) {
    return new ProbabilityCodec.Format(Encoding.TOP_K, k);
  }

  private static int[] largestByBruteForce(float[] values, int offset, int classes, int k) {
    return IntStream.range(0, classes).boxed()
        .sorted(Comparator.<Integer>comparingDouble(c -> -values[offset + c]).thenComparingInt(c -> c))
        .limit(k).mapToInt(Integer::intValue).toArray();
  }

  @Test
  void everyDecodedRowIsADistributionWithTheLargestValuesKeptAndTheTailSharedEqually() {
    int rows = 128;
    int classes = 1000;
    int k = 10;
    float[] original = softenedRows(rows, classes, 3, 1);
    ByteString payload = ProbabilityCodec.encode(original, classes, topK(k));
    assertEquals(rows * k * 4, payload.size(), "k x (2-byte class + 2-byte half) a row");
    float[] decoded = ProbabilityCodec.decode(payload, rows, classes, topK(k));
    for (int r = 0; r < rows; r++) {
      int offset = r * classes;
      int[] top = largestByBruteForce(original, offset, classes, k);
      double keptOriginal = 0;
      double sum = 0;
      for (int c : top) {
        keptOriginal += original[offset + c];
        assertEquals(original[offset + c], decoded[offset + c], original[offset + c] * 0x1p-11f + 0x1p-25f,
            "row " + r + " class " + c);
      }
      float share = (float) ((1 - keptOriginal) / (classes - k));
      java.util.Set<Integer> kept = java.util.Arrays.stream(top).boxed().collect(java.util.stream.Collectors.toSet());
      for (int c = 0; c < classes; c++) {
        sum += decoded[offset + c];
        if (!kept.contains(c)) {
          assertEquals(share, decoded[offset + c], share * 1e-2 + 1e-7, "tail of row " + r + " class " + c);
        }
      }
      assertEquals(1.0, sum, 1e-3, "mass of row " + r);
    }
  }

  @Test
  void aRowWithAtMostKNonZeroValuesComesBackWholeWithAnEmptyTail() {
    float[] row = {0, 0.5f, 0, 0.25f, 0, 0.25f, 0, 0};
    float[] decoded = ProbabilityCodec.decode(ProbabilityCodec.encode(row, 8, topK(3)), 1, 8, topK(3));
    assertArrayEquals(row, decoded); // 0.5 and 0.25 are exact halves
  }

  @Test
  void itPicksTheSameClassesAsSortingLowerClassesFirstOnTies() {
    Random random = new Random(4);
    int classes = 37;
    float[] values = new float[50 * classes];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextInt(6) / 8f; // many ties
    }
    ByteBuffer payload = ProbabilityCodec.encode(values, classes, topK(5)).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < 50; r++) {
      int[] expected = largestByBruteForce(values, r * classes, classes, 5);
      int[] found = new int[5];
      for (int i = 0; i < 5; i++) {
        found[i] = Short.toUnsignedInt(payload.getShort());
      }
      payload.position(payload.position() + 5 * 2);
      assertArrayEquals(expected, found, "row " + r);
    }
  }

  @Test
  void beyond65536ClassesTheClassesTakeFourBytes() {
    int classes = 70_000;
    float[] row = new float[classes];
    row[69_999] = 0.5f;
    row[3] = 0.25f;
    row[66_000] = 0.125f;
    java.util.Arrays.fill(row, 4, 100, 0.125f / 96);
    ByteString payload = ProbabilityCodec.encode(row, classes, topK(3));
    assertEquals(3 * (4 + 2), payload.size());
    float[] decoded = ProbabilityCodec.decode(payload, 1, classes, topK(3));
    assertEquals(0.5f, decoded[69_999]);
    assertEquals(0.25f, decoded[3]);
    assertEquals(0.125f, decoded[66_000]);
    assertEquals(0.125f / (classes - 3), decoded[50], 1e-9f);
  }

  @Test
  void malformedPayloadsAreRejectedNamingTheCulprit() {
    ByteBuffer repeated = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    repeated.putShort((short) 2).putShort((short) 2).putShort(Float16.fromFloat(0.5f)).putShort(Float16.fromFloat(0.25f));
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> ProbabilityCodec.decode(ByteString.copyFrom(repeated.array()), 1, 4, topK(2)));
    assertTrue(twice.getMessage().contains("names class 2 twice"), twice.getMessage());

    ByteBuffer outside = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    outside.putShort((short) 9).putShort(Float16.fromFloat(0.5f));
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
        () -> ProbabilityCodec.decode(ByteString.copyFrom(outside.array()), 1, 4, topK(1)));
    assertTrue(range.getMessage().contains("class 9, outside 0..3"), range.getMessage());

    ByteBuffer negative = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    negative.putShort((short) 1).putShort(Float16.fromFloat(-0.5f));
    IllegalArgumentException sign = assertThrows(IllegalArgumentException.class,
        () -> ProbabilityCodec.decode(ByteString.copyFrom(negative.array()), 1, 4, topK(1)));
    assertTrue(sign.getMessage().contains("-0.5 for class 1"), sign.getMessage());

    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> ProbabilityCodec.decode(ByteString.copyFrom(new byte[10]), 2, 4, topK(2)));
    assertTrue(size.getMessage().contains("10 bytes, expected 16") && size.getMessage().contains("k = 2"), size.getMessage());

    assertThrows(IllegalArgumentException.class, () -> new ProbabilityCodec.Format(Encoding.TOP_K, 0));
    assertThrows(IllegalArgumentException.class, () -> ProbabilityCodec.encode(new float[4], 4, topK(5)));
  }
}
