package dev.cohort.bench;


import java.nio.file.Path;
import java.util.List;

/** The options of {@code cohort bench speed}. */
record SpeedOptions(
    int reps, int mlpSteps, int cnnSteps, int microSteps, boolean accuracy, int seeds, int epochs, Path out,
    int threads, java.util.Set<String> parts, String match, String command, PinnedCohort.Setup nodes) {

  /** The parts of the benchmark, in the order they run. */
  static final List<String> PARTS = List.of("step", "profile", "codec", "runtime", "nodes", "accuracy", "cnn");

  boolean runs(String part) {
    return parts.contains(part) && (accuracy || !part.equals("accuracy"));
  }
}
