package dev.cohort.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between 2-D INDArrays and flat row-major Java arrays. ND4J's {@code toDoubleMatrix}
 * builds one view per row through JNI, which costs milliseconds per training step; one bulk copy
 * costs microseconds.
 */
public final class Matrices {

  private Matrices() {}

  /** The values of a 2-D array, row-major, as doubles (a copy). */
  public static double[] rowMajor(INDArray matrix) {
    if (matrix.rank() != 2) {
      throw new IllegalArgumentException("expected a matrix, found shape " + java.util.Arrays.toString(matrix.shape()));
    }
    return matrix.castTo(DataType.DOUBLE).dup('c').data().asDouble();
  }

  /** The values of a 2-D array, row-major, as floats (a copy). */
  public static float[] rowMajorFloats(INDArray matrix) {
    if (matrix.rank() != 2) {
      throw new IllegalArgumentException("expected a matrix, found shape " + java.util.Arrays.toString(matrix.shape()));
    }
    return matrix.castTo(DataType.FLOAT).dup('c').data().asFloat();
  }

  /** A rows × columns matrix of {@code dataType} holding {@code values} row-major. */
  public static INDArray matrix(double[] values, int rows, int columns, DataType dataType) {
    return Nd4j.create(values, new long[] {rows, columns}, DataType.DOUBLE).castTo(dataType);
  }
}
