package dev.cohort.actors.bench;

import dev.cohort.actors.args.Arguments;
import dev.cohort.actors.args.UsageException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options of {@code cohort bench speed}. */
record SpeedOptions(
    int reps, int mlpSteps, int cnnSteps, int microSteps, boolean accuracy, int seeds, int epochs, Path out,
    int threads, java.util.Set<String> parts, String match, String command) {

  /** The parts of the benchmark, in the order they run. */
  static final List<String> PARTS = List.of("step", "profile", "codec", "runtime", "accuracy", "cnn");

  boolean runs(String part) {
    return parts.contains(part) && (accuracy || !part.equals("accuracy"));
  }

  static SpeedOptions parse(Arguments arguments) {
    int reps = 5;
    int mlpSteps = 300;
    int cnnSteps = 30;
    int microSteps = 100;
    boolean accuracy = true;
    int seeds = 2;
    int epochs = 8;
    Path out = Path.of("docs", "PERFORMANCE.md");
    int threads = 1;
    String match = "";
    java.util.Set<String> parts = new java.util.LinkedHashSet<>(PARTS);
    List<String> words = new ArrayList<>();
    while (arguments.hasMore()) {
      String option = arguments.next();
      words.add(option);
      switch (option) {
        case "--reps" -> reps = count(arguments, option, words);
        case "--mlp-steps" -> mlpSteps = count(arguments, option, words);
        case "--cnn-steps" -> cnnSteps = count(arguments, option, words);
        case "--micro-steps" -> microSteps = count(arguments, option, words);
        case "--seeds" -> seeds = count(arguments, option, words);
        case "--epochs" -> epochs = count(arguments, option, words);
        case "--threads" -> threads = count(arguments, option, words);
        case "--match" -> {
          match = arguments.valueOf(option);
          words.add("'" + match + "'");
        }
        case "--only" -> {
          String value = arguments.valueOf(option);
          words.add(value);
          parts = new java.util.LinkedHashSet<>(List.of(value.split(",")));
          if (!PARTS.containsAll(parts)) {
            throw new UsageException("--only takes some of " + PARTS + ", found " + value);
          }
        }
        case "--no-accuracy" -> accuracy = false;
        case "--quick" -> {
          reps = 1;
          mlpSteps = 60;
          cnnSteps = 12;
          microSteps = 20;
          seeds = 1;
          epochs = 1;
        }
        case "--out" -> {
          out = Path.of(arguments.valueOf(option));
          words.add(out.toString());
        }
        default -> throw new UsageException("unknown option " + option + " (expected --reps, --mlp-steps, --cnn-steps,"
            + " --micro-steps, --seeds, --epochs, --threads, --only, --match, --no-accuracy, --quick, --out)");
      }
    }
    return new SpeedOptions(reps, mlpSteps, cnnSteps, microSteps, accuracy, seeds, epochs, out, threads, parts, match,
        "./cohort bench speed" + (words.isEmpty() ? "" : " " + String.join(" ", words)));
  }

  private static int count(Arguments arguments, String option, List<String> words) {
    int value = arguments.intValueOf(option);
    if (value < 1) {
      throw new UsageException(option + " must be >= 1, found " + value);
    }
    words.add(String.valueOf(value));
    return value;
  }
}
