package dev.cohort.model.eval;

import java.util.Locale;

/**
 * How a classifier did on labelled examples, from its class probabilities: accuracy, negative
 * log-likelihood, expected calibration error (confidence = the top probability, in equal-width
 * bins), accuracy per class, and the confusion matrix (rows: true class, columns: predicted).
 */
public record ClassificationReport(
    int examples,
    double accuracy,
    double nll,
    double ece,
    double[] classAccuracy,
    int[] classExamples,
    long[][] confusion) {

  /** Bins of the calibration error, as in Guo et al. (2017). */
  public static final int ECE_BINS = 15;

  /** Probabilities this small count as this, so one confident mistake gives a finite NLL. */
  private static final double FLOOR = 1e-12;

  /** @param probabilities rows × classes, row-major */
  public static ClassificationReport of(float[] probabilities, int[] labels, int classes) {
    int n = labels.length;
    if (probabilities.length != n * classes) {
      throw new IllegalArgumentException(
          probabilities.length + " probabilities for " + n + " examples of " + classes + " classes");
    }
    long[][] confusion = new long[classes][classes];
    double nll = 0;
    double[] binConfidence = new double[ECE_BINS];
    double[] binCorrect = new double[ECE_BINS];
    int[] binCount = new int[ECE_BINS];
    int correct = 0;
    for (int r = 0; r < n; r++) {
      int predicted = 0;
      for (int c = 1; c < classes; c++) {
        if (probabilities[r * classes + c] > probabilities[r * classes + predicted]) {
          predicted = c;
        }
      }
      int label = labels[r];
      confusion[label][predicted]++;
      boolean right = predicted == label;
      correct += right ? 1 : 0;
      nll -= Math.log(Math.max(FLOOR, probabilities[r * classes + label]));
      double confidence = probabilities[r * classes + predicted];
      int bin = Math.min(ECE_BINS - 1, (int) (confidence * ECE_BINS));
      binConfidence[bin] += confidence;
      binCorrect[bin] += right ? 1 : 0;
      binCount[bin]++;
    }
    double ece = 0;
    for (int b = 0; b < ECE_BINS; b++) {
      if (binCount[b] > 0) {
        ece += Math.abs(binCorrect[b] - binConfidence[b]) / n;
      }
    }
    double[] classAccuracy = new double[classes];
    int[] classExamples = new int[classes];
    for (int c = 0; c < classes; c++) {
      long total = 0;
      for (long count : confusion[c]) {
        total += count;
      }
      classExamples[c] = (int) total;
      classAccuracy[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
    }
    return new ClassificationReport(n, (double) correct / n, nll / n, ece, classAccuracy, classExamples, confusion);
  }

  /** The report as text: the summary, each class's accuracy, and the confusion matrix. */
  public String text(java.util.List<String> classNames) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "examples %d%naccuracy %.4f%nnll      %.4f%nece      %.4f  (%d bins)%n",
        examples, accuracy, nll, ece, ECE_BINS));
    out.append("\nper class:\n");
    for (int c = 0; c < classAccuracy.length; c++) {
      out.append(String.format(Locale.ROOT, "  %2d %-14s %s  (%d examples)%n", c, name(classNames, c),
          Double.isNaN(classAccuracy[c]) ? "   n/a" : String.format(Locale.ROOT, "%.4f", classAccuracy[c]),
          classExamples[c]));
    }
    out.append("\nconfusion matrix (rows: true class, columns: predicted):\n      ");
    for (int c = 0; c < confusion.length; c++) {
      out.append(String.format(Locale.ROOT, "%6d", c));
    }
    out.append('\n');
    for (int t = 0; t < confusion.length; t++) {
      out.append(String.format(Locale.ROOT, "%6d", t));
      for (long count : confusion[t]) {
        out.append(String.format(Locale.ROOT, "%6d", count));
      }
      out.append('\n');
    }
    return out.toString();
  }

  static String name(java.util.List<String> classNames, int c) {
    return c < classNames.size() ? classNames.get(c) : String.valueOf(c);
  }
}
