package dev.cohort.model.data;

import java.util.Arrays;

/**
 * Carves a validation split out of a training set, deterministically from a seed: the same seed
 * gives the same split on every node and in every run, so peers are compared on identical data
 * and the test split is never used to choose between them.
 */
public final class ValidationSplit {

  private ValidationSplit() {}

  public record TrainValidation(LabeledData train, LabeledData validation) {}

  public static TrainValidation carve(LabeledData data, int validationSize, long seed) {
    if (validationSize <= 0 || validationSize >= data.size()) {
      throw new IllegalArgumentException(
          "validation size must be between 1 and "
              + (data.size() - 1)
              + " for a training set of "
              + data.size()
              + " examples, found "
              + validationSize);
    }
    int[] order = Permutations.shuffled(data.size(), seed);
    int trainSize = data.size() - validationSize;
    int[] train = Arrays.copyOfRange(order, 0, trainSize);
    int[] validation = Arrays.copyOfRange(order, trainSize, order.length);
    // Keep the original order inside each split: reproducible, and cache-friendly to copy.
    Arrays.sort(train);
    Arrays.sort(validation);
    return new TrainValidation(data.select(train), data.select(validation));
  }
}
