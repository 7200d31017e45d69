package dev.cohort.model.data;

import java.util.List;

/**
 * Per-feature z-scores, {@code (x − mean) / sd}, with the mean and standard deviation of the
 * training split. Stored in the model card, so that evaluate and predict feed an exported model
 * what it was trained on. A feature constant over the training split keeps sd 1 (it is only
 * centred), so no division by zero.
 */
public record Standardization(float[] mean, float[] sd) {

  public Standardization {
    if (mean.length != sd.length) {
      throw new IllegalArgumentException(mean.length + " means but " + sd.length + " standard deviations");
    }
    for (int i = 0; i < sd.length; i++) {
      if (!(sd[i] > 0) || !Float.isFinite(sd[i]) || !Float.isFinite(mean[i])) {
        throw new IllegalArgumentException("feature " + i + ": mean " + mean[i] + ", sd " + sd[i]
            + " (expected finite values and sd > 0)");
      }
    }
  }

  /** The statistics of {@code train}'s features (population sd, accumulated in double precision). */
  public static Standardization of(LabeledData train) {
    int n = train.size();
    int features = train.featureCount();
    double[] sum = new double[features];
    double[] squares = new double[features];
    float[] values = train.sharedValues(); // read only: a copy of a whole training set is not needed
    for (int r = 0; r < n; r++) {
      for (int f = 0; f < features; f++) {
        sum[f] += values[r * features + f];
      }
    }
    float[] mean = new float[features];
    for (int f = 0; f < features; f++) {
      mean[f] = (float) (sum[f] / n);
    }
    for (int r = 0; r < n; r++) {
      for (int f = 0; f < features; f++) {
        double d = values[r * features + f] - mean[f];
        squares[f] += d * d;
      }
    }
    float[] sd = new float[features];
    for (int f = 0; f < features; f++) {
      double s = Math.sqrt(squares[f] / n);
      sd[f] = s > 1e-12 ? (float) s : 1f;
    }
    return new Standardization(mean, sd);
  }

  /** From a model card's lists; the card's file is named when they do not fit. */
  public static Standardization of(List<Double> mean, List<Double> sd) {
    float[] m = new float[mean.size()];
    float[] s = new float[sd.size()];
    for (int i = 0; i < m.length; i++) {
      m[i] = mean.get(i).floatValue();
    }
    for (int i = 0; i < s.length; i++) {
      s[i] = sd.get(i).floatValue();
    }
    return new Standardization(m, s);
  }

  public int features() {
    return mean.length;
  }

  /** Standardises rows of {@link #features()} values in place. */
  public void applyInPlace(float[] rows) {
    if (rows.length % mean.length != 0) {
      throw new IllegalArgumentException(rows.length + " values are not rows of " + mean.length + " features");
    }
    for (int i = 0; i < rows.length; i++) {
      int f = i % mean.length;
      rows[i] = (rows[i] - mean[f]) / sd[f];
    }
  }

  /** A standardised copy of {@code data}. */
  public LabeledData apply(LabeledData data) {
    if (data.featureCount() != mean.length) {
      throw new IllegalArgumentException("standardisation of " + mean.length + " features cannot apply to rows of "
          + data.featureCount());
    }
    float[] values = data.rowValues();
    applyInPlace(values);
    return data.withFeatures(values);
  }

  public List<Double> meanList() {
    return doubles(mean);
  }

  public List<Double> sdList() {
    return doubles(sd);
  }

  private static List<Double> doubles(float[] values) {
    Double[] out = new Double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (double) values[i];
    }
    return List.of(out);
  }
}
