package dev.cohort.protocol;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts row-major probability rows to and from the bytes of a {@link SoftPredictions} payload.
 *
 * <ul>
 *   <li>{@link Encoding#FLOAT32}: lossless, 4 bytes a value.
 *   <li>{@link Encoding#FLOAT16}: each value rounded to the nearest half-precision number
 *       (relative error at most 2^-11 for normal halves, absolute at most 2^-25 below 2^-14), 2
 *       bytes a value.
 *   <li>{@link Encoding#TOP_K}: per row the k largest values (half precision) and their classes;
 *       decoding shares the rest of the row's mass equally among the other classes, so every row
 *       is still a distribution: {@code k × 4} bytes a row (k × 6 beyond 65,536 classes) instead of
 *       {@code classes × 4}.
 * </ul>
 *
 * <p>Decoding rejects a payload that disagrees with its declared shape, naming both sizes, values
 * that are no probabilities, rows that do not sum to 1, and top-k classes out of range or
 * repeated, rather than training on garbage.
 */
public final class ProbabilityCodec {

  private ProbabilityCodec() {}

  /** An encoding and, for {@link Encoding#TOP_K}, its k (ignored otherwise). */
  public record Format(Encoding encoding, int topK) {

    public Format {
      if (encoding != Encoding.FLOAT32 && encoding != Encoding.FLOAT16 && encoding != Encoding.TOP_K) {
        throw new IllegalArgumentException("unsupported probability encoding: " + encoding);
      }
      if (encoding == Encoding.TOP_K && topK < 1) {
        throw new IllegalArgumentException("top-k encoding needs k >= 1, found " + topK);
      }
    }

    public static Format of(Encoding encoding) {
      return new Format(encoding, 0);
    }

    /** Payload bytes of one row of {@code classes} values. */
    public int bytesPerRow(int classes) {
      return Math.toIntExact(rowBytes(classes));
    }

    /** {@link #bytesPerRow}, in a long: a message read from the wire may declare any shape. */
    long rowBytes(int classes) {
      return switch (encoding) {
        case FLOAT32 -> (long) classes * Float.BYTES;
        case FLOAT16 -> (long) classes * Short.BYTES;
        default -> (long) topK * (indexBytes(classes) + Short.BYTES);
      };
    }
  }

  /** Bytes one value takes in the dense {@code encoding}s. */
  public static int bytesPerValue(Encoding encoding) {
    return switch (encoding) {
      case FLOAT32 -> Float.BYTES;
      case FLOAT16 -> Short.BYTES;
      default -> throw new IllegalArgumentException("not a dense probability encoding: " + encoding);
    };
  }

  /** How far a decoded row's sum may be from 1 (the narrow encodings round each value). */
  static final double ROW_SUM_TOLERANCE = 0.01;

  private static int indexBytes(int classes) {
    return classes <= 65_536 ? Short.BYTES : Integer.BYTES;
  }

  /** Encodes {@code values} (rows × classes, row-major) densely in FLOAT32 or FLOAT16. */
  public static ByteString encode(float[] values, Encoding encoding) {
    bytesPerValue(encoding);
    return encode(values, 1, Format.of(encoding));
  }

  /** Encodes {@code values} (rows × {@code classes}, row-major) in {@code format}. */
  public static ByteString encode(float[] values, int classes, Format format) {
    if (classes < 1 || values.length % classes != 0) {
      throw new IllegalArgumentException(values.length + " values are not rows of " + classes + " classes");
    }
    if (format.encoding() == Encoding.TOP_K && format.topK() > classes) {
      throw new IllegalArgumentException("top-k encoding with k = " + format.topK() + " for " + classes + " classes");
    }
    int rows = values.length / classes;
    ByteBuffer buffer = ByteBuffer.allocate(rows * format.bytesPerRow(classes)).order(ByteOrder.LITTLE_ENDIAN);
    switch (format.encoding()) {
      case FLOAT32 -> buffer.asFloatBuffer().put(values);
      case FLOAT16 -> {
        short[] halves = new short[values.length];
        for (int i = 0; i < values.length; i++) {
          halves[i] = Float16.fromFloat(values[i]);
        }
        buffer.asShortBuffer().put(halves);
      }
      default -> TopK.encode(values, rows, classes, format.topK(), indexBytes(classes), buffer);
    }
    buffer.rewind();
    return ByteString.copyFrom(buffer);
  }

  /**
   * Decodes the payload of {@code message} into rows × classes values, row-major.
   *
   * @throws IllegalArgumentException if the payload disagrees with the declared shape, or holds a
   *     value that is no probability (not finite, or outside [0, 1]): a diverged sender's
   */
  public static float[] decode(SoftPredictions message) {
    return decode(message.getPayload(), message.getRows(), message.getClasses(),
        new Format(message.getEncoding(), message.getTopK()));
  }

  /** Decodes {@code payload} declared as {@code rows × classes} values in the dense {@code encoding}. */
  public static float[] decode(ByteString payload, int rows, int classes, Encoding encoding) {
    return decode(payload, rows, classes, Format.of(encoding));
  }

  /** Decodes {@code payload} declared as {@code rows × classes} values in {@code format}. */
  public static float[] decode(ByteString payload, int rows, int classes, Format format) {
    if (rows < 0 || classes < 0) {
      throw new IllegalArgumentException(
          "invalid probability shape " + rows + " x " + classes + ": both must be non-negative");
    }
    long values64 = (long) rows * classes;
    if (values64 > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("invalid probability shape " + rows + " x " + classes + ": too many values");
    }
    int count = (int) values64;
    if (format.encoding() == Encoding.TOP_K && format.topK() > classes) {
      throw new IllegalArgumentException("top-k payload with k = " + format.topK() + " for " + classes + " classes");
    }
    long expected = rows * format.rowBytes(classes);
    if (payload.size() != expected) {
      throw new IllegalArgumentException(
          "probability payload has " + payload.size() + " bytes, expected " + expected + " (" + rows
              + " rows x " + classes + " classes in " + format.encoding()
              + (format.encoding() == Encoding.TOP_K ? " with k = " + format.topK() : "") + ", "
              + format.rowBytes(classes) + " bytes a row)");
    }
    ByteBuffer buffer = payload.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[count];
    switch (format.encoding()) {
      case FLOAT32 -> buffer.asFloatBuffer().get(values);
      case FLOAT16 -> {
        short[] halves = new short[count];
        buffer.asShortBuffer().get(halves);
        for (int i = 0; i < count; i++) {
          values[i] = Float16.toFloat(halves[i]);
        }
      }
      default -> TopK.decode(buffer, rows, classes, format.topK(), indexBytes(classes), values);
    }
    for (int i = 0; i < count; i++) {
      // Written so that NaN fails too; the slack covers rounding in the narrow encodings.
      if (!(values[i] >= 0f && values[i] <= 1.001f)) {
        throw new IllegalArgumentException("probability payload value " + values[i] + " at row " + i / classes
            + ", class " + i % classes + ": probabilities must be finite and within [0, 1]");
      }
    }
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += values[r * classes + c];
      }
      // float16 rounds each value by at most 2^-11 of it, so a softmax row sums to 1 within 0.05 %.
      if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
        throw new IllegalArgumentException("probability payload row " + r + " sums to " + sum
            + ": a row of probabilities sums to 1");
      }
    }
    return values;
  }
}
