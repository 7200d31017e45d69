package dev.cohort.model.data;

import java.util.SplittableRandom;

/**
 * Gaussian class clusters: a small, learnable dataset for tests and smoke runs that needs no
 * download. The same arguments give the same data everywhere.
 */
public final class SyntheticData {

  private SyntheticData() {}

  public static LabeledData gaussianClusters(
      int examples, int featureCount, int classes, double noise, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[][] centres = new float[classes][featureCount];
    for (float[] centre : centres) {
      for (int f = 0; f < featureCount; f++) {
        centre[f] = (float) (random.nextDouble() * 2 - 1);
      }
    }
    float[] features = new float[examples * featureCount];
    int[] labels = new int[examples];
    for (int i = 0; i < examples; i++) {
      labels[i] = random.nextInt(classes);
      for (int f = 0; f < featureCount; f++) {
        features[i * featureCount + f] = centres[labels[i]][f] + (float) (noise * gaussian(random));
      }
    }
    return new LabeledData(features, labels, featureCount, classes);
  }

  private static double gaussian(SplittableRandom random) {
    double u = 1 - random.nextDouble(); // (0, 1]: log is finite
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
