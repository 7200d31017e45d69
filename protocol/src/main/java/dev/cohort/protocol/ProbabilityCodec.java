package dev.cohort.protocol;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts row-major probability rows to and from the bytes of a {@link SoftPredictions} payload.
 *
 * <p>Encoding is lossless for {@link Encoding#FLOAT32}; {@link Encoding#FLOAT16} rounds each value
 * to the nearest half-precision number (relative error below 2^-11, ample for probabilities that
 * only serve as distillation targets). Decoding rejects a payload whose size does not match
 * {@code rows × classes} values, naming both sizes, rather than training on garbage.
 */
public final class ProbabilityCodec {

  private ProbabilityCodec() {}

  /** Bytes one value takes in {@code encoding}. */
  public static int bytesPerValue(Encoding encoding) {
    return switch (encoding) {
      case FLOAT32 -> Float.BYTES;
      case FLOAT16 -> Short.BYTES;
      default -> throw new IllegalArgumentException("unsupported probability encoding: " + encoding);
    };
  }

  /** Encodes {@code values} (rows × classes, row-major). */
  public static ByteString encode(float[] values, Encoding encoding) {
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * bytesPerValue(encoding)).order(ByteOrder.LITTLE_ENDIAN);
    if (encoding == Encoding.FLOAT32) {
      buffer.asFloatBuffer().put(values);
    } else {
      for (float v : values) {
        buffer.putShort(Float16.fromFloat(v));
      }
    }
    buffer.rewind();
    return ByteString.copyFrom(buffer);
  }

  /**
   * Decodes the payload of {@code message} into rows × classes values, row-major.
   *
   * @throws IllegalArgumentException if the payload length disagrees with the declared shape
   */
  public static float[] decode(SoftPredictions message) {
    return decode(message.getPayload(), message.getRows(), message.getClasses(), message.getEncoding());
  }

  /** Decodes {@code payload} declared as {@code rows × classes} values in {@code encoding}. */
  public static float[] decode(ByteString payload, int rows, int classes, Encoding encoding) {
    if (rows < 0 || classes < 0) {
      throw new IllegalArgumentException(
          "invalid probability shape " + rows + " x " + classes + ": both must be non-negative");
    }
    int count = Math.multiplyExact(rows, classes);
    long expected = (long) count * bytesPerValue(encoding);
    if (payload.size() != expected) {
      throw new IllegalArgumentException(
          "probability payload has "
              + payload.size()
              + " bytes, expected "
              + expected
              + " ("
              + rows
              + " rows x "
              + classes
              + " classes x "
              + bytesPerValue(encoding)
              + " bytes for "
              + encoding
              + ")");
    }
    ByteBuffer buffer = payload.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[count];
    if (encoding == Encoding.FLOAT32) {
      buffer.asFloatBuffer().get(values);
    } else {
      for (int i = 0; i < count; i++) {
        values[i] = Float16.toFloat(buffer.getShort());
      }
    }
    return values;
  }
}
