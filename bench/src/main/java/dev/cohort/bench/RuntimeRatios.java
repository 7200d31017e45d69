package dev.cohort.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * The real cohorts' figures as {@code docs/PERFORMANCE.md} compares them: mutual over independent
 * learning, round by round (each round ran every configuration once, so a ratio within a round
 * sees the machine at one speed), and the share of time peers waited.
 */
final class RuntimeRatios {

  private final Map<SpeedRun, List<SpeedRun.Measured>> runtime;

  RuntimeRatios(Map<SpeedRun, List<SpeedRun.Measured>> runtime) {
    this.runtime = runtime;
  }

  Optional<SpeedRun> config(Predicate<SpeedRun> which) {
    return runtime.keySet().stream().filter(which).findFirst();
  }

  Optional<SpeedRun> config(String model, String topology, int peers, int nodes, int lookahead) {
    return config(c -> c.model().equals(model) && c.topology().equals(topology) && c.peers() == peers
        && c.nodes() == nodes && c.encoding().equals("float32") && c.lookahead() == lookahead);
  }

  /** Median over the rounds of (mutual step / independent step) within each round. */
  double ratio(String model, int peers, int nodes) {
    return ratio(model, peers, nodes, 0);
  }

  double ratio(String model, int peers, int nodes, int lookahead) {
    return ratio(model, peers, nodes, lookahead, RunFigures::meanStepMillis);
  }

  /** The same for the cohort's pace: its slowest peer's step time, mutual over independent. */
  double paceRatio(String model, int peers, int nodes) {
    return ratio(model, peers, nodes, 0, RunFigures::slowestStepMillis);
  }

  double ratio(String model, int peers, int nodes, int lookahead,
      ToDoubleFunction<RunFigures> step) {
    Optional<SpeedRun> mutual = config(model, "dml", peers, nodes, lookahead);
    Optional<SpeedRun> alone = config(model, "independent", peers, nodes, 0);
    if (mutual.isEmpty() || alone.isEmpty()) {
      return Double.NaN;
    }
    List<SpeedRun.Measured> m = runtime.get(mutual.get());
    List<SpeedRun.Measured> a = runtime.get(alone.get());
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < Math.min(m.size(), a.size()); i++) {
      ratios.add(step.applyAsDouble(m.get(i).figures()) / step.applyAsDouble(a.get(i).figures()));
    }
    return Stats.median(ratios);
  }

  double waitShare(SpeedRun config) {
    return Stats.median(runtime.get(config).stream().map(r -> r.figures().waitShare()).toList());
  }
}
