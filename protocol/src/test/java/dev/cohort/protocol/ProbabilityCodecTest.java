package dev.cohort.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProbabilityCodecTest {

  private static float[] randomRows(int rows, int classes, long seed) {
    Random random = new Random(seed);
    float[] values = new float[rows * classes];
    for (int r = 0; r < rows; r++) {
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
  void float32RoundTripIsExact() {
    float[] rows = randomRows(128, 10, 1);
    ByteString payload = ProbabilityCodec.encode(rows, Encoding.FLOAT32);
    assertEquals(128 * 10 * 4, payload.size());
    assertArrayEquals(rows, ProbabilityCodec.decode(payload, 128, 10, Encoding.FLOAT32));
  }

  @Test
  void float16RoundTripIsWithinHalfPrecision() {
    float[] rows = randomRows(64, 10, 2);
    ByteString payload = ProbabilityCodec.encode(rows, Encoding.FLOAT16);
    assertEquals(64 * 10 * 2, payload.size());
    float[] decoded = ProbabilityCodec.decode(payload, 64, 10, Encoding.FLOAT16);
    for (int i = 0; i < rows.length; i++) {
      // half precision keeps 11 significant bits: relative error at most 2^-11
      assertEquals(rows[i], decoded[i], Math.abs(rows[i]) * 0x1p-11f + 0x1p-25f, "value " + i);
    }
  }

  @Test
  void decodesTheMessageItCarries() {
    float[] rows = randomRows(3, 4, 3);
    SoftPredictions message =
        SoftPredictions.newBuilder()
            .setRows(3)
            .setClasses(4)
            .setEncoding(Encoding.FLOAT32)
            .setPayload(ProbabilityCodec.encode(rows, Encoding.FLOAT32))
            .build();
    SoftPredictions onTheWire = roundTripThroughBytes(message);
    assertArrayEquals(rows, ProbabilityCodec.decode(onTheWire));
  }

  private static SoftPredictions roundTripThroughBytes(SoftPredictions message) {
    try {
      return SoftPredictions.parseFrom(message.toByteArray());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void valuesThatAreNoProbabilitiesAreRejectedAtDecodeNamingWhere() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0.5f, 2f}) {
      float[] rows = {0.25f, 0.75f, 0.5f, 0.5f};
      rows[3] = bad;
      for (Encoding encoding : new Encoding[] {Encoding.FLOAT32, Encoding.FLOAT16}) {
        ByteString payload = ProbabilityCodec.encode(rows, encoding);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> ProbabilityCodec.decode(payload, 2, 2, encoding), bad + " in " + encoding);
        assertTrue(error.getMessage().contains("row 1, class 1"), error.getMessage());
        assertTrue(error.getMessage().contains("finite and within [0, 1]"), error.getMessage());
      }
    }
  }

  @Test
  void payloadOfTheWrongLengthIsRejectedNamingBothSizes() {
    ByteString payload = ProbabilityCodec.encode(new float[12], Encoding.FLOAT32);
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> ProbabilityCodec.decode(payload, 4, 4, Encoding.FLOAT32));
    assertTrue(error.getMessage().contains("48 bytes"), error.getMessage());
    assertTrue(error.getMessage().contains("expected 64"), error.getMessage());
    assertTrue(error.getMessage().contains("4 rows x 4 classes"), error.getMessage());
  }

  @Test
  void unspecifiedEncodingIsRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ProbabilityCodec.decode(ByteString.EMPTY, 0, 0, Encoding.ENCODING_UNSPECIFIED));
  }

  @Test
  void float16MatchesKnownBitPatterns() {
    assertEquals((short) 0x3c00, Float16.fromFloat(1.0f));
    assertEquals((short) 0xc000, Float16.fromFloat(-2.0f));
    assertEquals((short) 0x7bff, Float16.fromFloat(65504f));
    assertEquals((short) 0x7c00, Float16.fromFloat(65520f));
    assertEquals((short) 0x0001, Float16.fromFloat(0x1p-24f));
    assertEquals((short) 0x0400, Float16.fromFloat(0x1p-14f));
    // 1 + 2^-11 lies exactly between 1 and the next half (1 + 2^-10): ties go to even (1.0)
    assertEquals((short) 0x3c00, Float16.fromFloat(1f + 0x1p-11f));
    assertEquals((short) 0x3c02, Float16.fromFloat(1f + 3 * 0x1p-11f));
    assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN))));
  }

  @Test
  void everyHalfSurvivesTheTripThroughFloat() {
    for (int bits = 0; bits <= 0xffff; bits++) {
      short half = (short) bits;
      float value = Float16.toFloat(half);
      if (!Float.isNaN(value)) {
        assertEquals(half, Float16.fromFloat(value), "half 0x" + Integer.toHexString(bits));
      }
    }
  }
}
