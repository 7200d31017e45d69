package dev.cohort.model.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An immutable in-memory dataset: {@code size} examples of {@code featureCount} floats each,
 * row-major, with integer class labels in {@code [0, classes)}. Shared read-only by every peer of a
 * node, so one copy of the data serves them all.
 */
public final class LabeledData {

  /**
   * The most classes a dataset may have (ImageNet-21k has 21,841). A network's output layer and
   * every exchanged prediction row grow with the classes; far beyond this a label column is rather
   * an id than a class, and its network would not fit a heap.
   */
  public static final int MAX_CLASSES = 100_000;

  private final float[] features;
  private final int[] labels;
  private final int featureCount;
  private final int classes;
  private final ImageShape imageShape;

  /** Height × width × channels of image rows (features are then row-major pixels, channel last). */
  public record ImageShape(int height, int width, int channels) {
    public int pixels() {
      return height * width * channels;
    }
  }

  /** Rows that are not images. */
  public LabeledData(float[] features, int[] labels, int featureCount, int classes) {
    this(features, labels, featureCount, classes, null);
  }

  /** @param imageShape the shape of each row when rows are images, or null */
  public LabeledData(float[] features, int[] labels, int featureCount, int classes, ImageShape imageShape) {
    if (featureCount <= 0 || classes <= 0 || classes > MAX_CLASSES) {
      throw new IllegalArgumentException(
          "featureCount must be positive and classes in [1, " + MAX_CLASSES + "], found " + featureCount + " and " + classes);
    }
    if ((long) labels.length * featureCount != features.length) {
      throw new IllegalArgumentException(
          features.length + " feature values do not make " + labels.length + " rows of " + featureCount);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " of example " + i + " is outside [0, " + classes + ")");
      }
    }
    this.features = features;
    this.labels = labels;
    if (imageShape != null && imageShape.pixels() != featureCount) {
      throw new IllegalArgumentException(imageShape + " does not hold " + featureCount + " features");
    }
    this.featureCount = featureCount;
    this.classes = classes;
    this.imageShape = imageShape;
  }

  /** The shape of each row when the rows are images. */
  public java.util.Optional<ImageShape> imageShape() {
    return java.util.Optional.ofNullable(imageShape);
  }

  public int size() {
    return labels.length;
  }

  public int featureCount() {
    return featureCount;
  }

  public int classes() {
    return classes;
  }

  public int label(int row) {
    return labels[row];
  }

  /** Features of {@code rows} as a float matrix [rows.length, featureCount]. */
  public INDArray features(int[] rows) {
    float[] out = new float[rows.length * featureCount];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(features, rows[i] * featureCount, out, i * featureCount, featureCount);
    }
    return Nd4j.create(out, new long[] {rows.length, featureCount}, DataType.FLOAT);
  }

  /**
   * The features of {@code rows} written into {@code into}, an off-heap float array of shape
   * [rows, features] in 'c' order that a caller reuses ({@link FeatureBuffers}); returns it.
   */
  public INDArray features(int[] rows, INDArray into) {
    if (into.dataType() != DataType.FLOAT || into.ordering() != 'c' || into.rank() != 2
        || into.size(0) != rows.length || into.size(1) != featureCount || into.isView()) {
      throw new IllegalArgumentException("expected a float 'c' array of shape [" + rows.length + ", " + featureCount
          + "] to hold the batch, found " + into.dataType() + " " + into.ordering() + " "
          + java.util.Arrays.toString(into.shape()));
    }
    org.bytedeco.javacpp.FloatPointer base = (org.bytedeco.javacpp.FloatPointer) into.data().pointer();
    org.bytedeco.javacpp.FloatPointer memory = new org.bytedeco.javacpp.FloatPointer(base);
    for (int i = 0; i < rows.length; i++) {
      memory.position(base.position() + (long) i * featureCount).put(features, rows[i] * featureCount, featureCount);
    }
    return into;
  }

  /** Class labels of {@code rows}. */
  public int[] labels(int[] rows) {
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = labels[rows[i]];
    }
    return out;
  }

  /** A copy of every feature value, row-major. */
  public float[] rowValues() {
    return features.clone();
  }

  /** Every feature value, row-major, not copied: for reading only, in this package. */
  float[] sharedValues() {
    return features;
  }

  /** The same rows with other labels, e.g. noisy ones. */
  public LabeledData withLabels(int[] newLabels) {
    if (newLabels.length != labels.length) {
      throw new IllegalArgumentException(newLabels.length + " labels for " + labels.length + " examples");
    }
    return new LabeledData(features, newLabels.clone(), featureCount, classes, imageShape);
  }

  /** The same labels with other feature values (as many), e.g. standardised ones. */
  public LabeledData withFeatures(float[] newFeatures) {
    return new LabeledData(newFeatures, labels, featureCount, classes, imageShape);
  }

  /** A new dataset holding {@code rows}, in that order. */
  public LabeledData select(int[] rows) {
    float[] out = new float[rows.length * featureCount];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(features, rows[i] * featureCount, out, i * featureCount, featureCount);
    }
    return new LabeledData(out, labels(rows), featureCount, classes, imageShape);
  }

  /** Row indices 0 … size−1. */
  public int[] allRows() {
    int[] rows = new int[size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i;
    }
    return rows;
  }
}
