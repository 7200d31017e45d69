package dev.cohort.protocol;

import java.nio.ByteBuffer;

/** The {@link Encoding#TOP_K} rows: the k largest values of each row, and a tail bucket. */
final class TopK {

  private TopK() {}

  static void encode(float[] values, int rows, int classes, int k, int indexBytes, ByteBuffer out) {
    int[] top = new int[k];
    for (int r = 0; r < rows; r++) {
      select(values, r * classes, classes, top);
      for (int index : top) {
        if (indexBytes == Short.BYTES) {
          out.putShort((short) index);
        } else {
          out.putInt(index);
        }
      }
      for (int index : top) {
        out.putShort(Float16.fromFloat(values[r * classes + index]));
      }
    }
  }

  /**
   * The classes of the {@code top.length} largest values of one row, largest first (ties: the
   * lower class), by a partial insertion sort: O(classes × k), with k small.
   */
  private static void select(float[] values, int offset, int classes, int[] top) {
    int k = top.length;
    int filled = 0;
    for (int c = 0; c < classes; c++) {
      float v = values[offset + c];
      if (filled == k && !(v > values[offset + top[k - 1]])) {
        continue;
      }
      int at = filled < k ? filled++ : k - 1;
      while (at > 0 && v > values[offset + top[at - 1]]) {
        top[at] = top[at - 1];
        at--;
      }
      top[at] = c;
    }
  }

  static void decode(ByteBuffer in, int rows, int classes, int k, int indexBytes, float[] into) {
    int[] indices = new int[k];
    boolean[] taken = new boolean[classes];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < k; i++) {
        int index = indexBytes == Short.BYTES ? Short.toUnsignedInt(in.getShort()) : in.getInt();
        if (index < 0 || index >= classes) {
          throw new IllegalArgumentException(
              "top-k payload row " + r + " names class " + index + ", outside 0.." + (classes - 1));
        }
        if (taken[index]) {
          throw new IllegalArgumentException("top-k payload row " + r + " names class " + index + " twice");
        }
        taken[index] = true;
        indices[i] = index;
      }
      double kept = 0;
      for (int i = 0; i < k; i++) {
        float value = Float16.toFloat(in.getShort());
        if (!(value >= 0) || Float.isInfinite(value)) {
          throw new IllegalArgumentException("top-k payload row " + r + " has the value " + value + " for class "
              + indices[i] + ": probabilities are finite and >= 0");
        }
        into[r * classes + indices[i]] = value;
        kept += value;
      }
      int others = classes - k;
      if (others > 0) {
        float share = (float) (Math.max(0, 1 - kept) / others);
        for (int c = 0; c < classes; c++) {
          if (!taken[c]) {
            into[r * classes + c] = share;
          }
        }
      }
      for (int index : indices) {
        taken[index] = false;
      }
    }
  }
}
