package dev.cohort.actors.extract;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * How the final model is chosen among a run's peers, always on the validation split: the best
 * accuracy (default), the lowest negative log-likelihood, or the smallest peer (fewest parameters)
 * whose accuracy is within X points of the best — what a teacher-assistant chain is for.
 */
public record Selection(Kind kind, double points) {

  public enum Kind {
    VAL_ACCURACY,
    VAL_NLL,
    SMALLEST_WITHIN
  }

  /** One peer as the selection sees it. */
  public record Candidate(String name, long parameters, double valAccuracy, double valNll) {}

  public static final Selection DEFAULT = new Selection(Kind.VAL_ACCURACY, 0);

  /** {@code val_accuracy}, {@code val_nll} or {@code smallest-within:POINTS} (e.g. smallest-within:0.5). */
  public static Selection parse(String metric) {
    switch (metric) {
      case "val_accuracy":
        return DEFAULT;
      case "val_nll":
        return new Selection(Kind.VAL_NLL, 0);
      default:
        if (metric.startsWith("smallest-within:")) {
          String value = metric.substring("smallest-within:".length());
          try {
            double points = Double.parseDouble(value);
            if (points >= 0 && points <= 100) {
              return new Selection(Kind.SMALLEST_WITHIN, points);
            }
          } catch (NumberFormatException e) {
            // reported below
          }
          throw new IllegalArgumentException("--metric smallest-within:POINTS needs 0 <= POINTS <= 100, found '" + value + "'");
        }
        throw new IllegalArgumentException(
            "unknown --metric '" + metric + "' (expected val_accuracy, val_nll or smallest-within:POINTS)");
    }
  }

  public Candidate choose(List<Candidate> candidates) {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("no peer to choose from");
    }
    Comparator<Candidate> byAccuracy = Comparator.comparingDouble(Candidate::valAccuracy);
    return switch (kind) {
      case VAL_ACCURACY -> candidates.stream().max(byAccuracy).orElseThrow();
      case VAL_NLL -> candidates.stream().min(Comparator.comparingDouble(Candidate::valNll)).orElseThrow();
      case SMALLEST_WITHIN -> {
        double best = candidates.stream().max(byAccuracy).orElseThrow().valAccuracy();
        yield candidates.stream()
            .filter(c -> (best - c.valAccuracy()) * 100 <= points + 1e-9)
            .min(Comparator.comparingLong(Candidate::parameters).thenComparing(byAccuracy.reversed()))
            .orElseThrow();
      }
    };
  }

  /** How the card names the choice. */
  public String describe() {
    return switch (kind) {
      case VAL_ACCURACY -> "val_accuracy";
      case VAL_NLL -> "val_nll";
      case SMALLEST_WITHIN -> String.format(Locale.ROOT, "smallest-within:%s points of the best val_accuracy",
          BigDecimalText.of(points));
    };
  }

  /** 0.5 rather than 0.500000. */
  private static final class BigDecimalText {
    static String of(double value) {
      return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
  }
}
