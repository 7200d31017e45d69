package dev.cohort.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Medians, quartiles, means and standard deviations of measurements. */
public final class Stats {

  private Stats() {}

  public static double median(List<Double> values) {
    return quantile(values, 0.5);
  }

  /** Linear interpolation between order statistics; NaN for no values. */
  public static double quantile(List<Double> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    double at = q * (sorted.size() - 1);
    int low = (int) Math.floor(at);
    int high = (int) Math.ceil(at);
    return sorted.get(low) + (sorted.get(high) - sorted.get(low)) * (at - low);
  }

  public static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** The sample standard deviation (n − 1); 0 for fewer than two values. */
  public static double sd(List<Double> values) {
    if (values.size() < 2) {
      return 0;
    }
    double mean = mean(values);
    double squares = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
    return Math.sqrt(squares / (values.size() - 1));
  }
}
