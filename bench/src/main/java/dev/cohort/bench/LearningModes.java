package dev.cohort.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The modes {@code cohort bench learning} can run, by name: a topology over its peers, with its
 * independent baseline and settings of its own (a teacher weighting, λ, T).
 */
final class LearningModes {

  private LearningModes() {}

  /**
   * A topology, its peers (their entries of {@code cohort.peers}), the mode with the same peers
   * trained independently (or null), and settings of its own (e.g. a teacher weighting).
   */
  record Mode(String topology, List<Map<String, Object>> peers, String baseline, Config config) {}

  static final Map<String, Mode> MODES = new LinkedHashMap<>();

  private static Config weighting(String name, Object... more) {
    Map<String, Object> settings = CohortFile.settings("distillation.teacher-weighting", name);
    settings.putAll(CohortFile.settings(more));
    return CohortFile.of(settings);
  }

  private static Map<String, Object> mlp(String name, Integer... hidden) {
    return CohortFile.peer(name, "hidden", List.of(hidden));
  }

  static {
    var three = List.of(mlp("mlp-a", 256), mlp("mlp-b", 256), mlp("mlp-c", 128));
    var two = List.of(mlp("mlp-a", 256), mlp("mlp-b", 256));
    var chain = List.of(mlp("large", 512, 256), mlp("assistant", 128), mlp("small", 32));
    Config none = weighting("none");
    Config own = ConfigFactory.empty(); // the independent baselines: no settings of their own
    MODES.put("independent", new Mode("independent", three, null, own));
    MODES.put("dml", new Mode("dml", three, "independent", none));
    MODES.put("ensemble", new Mode("ensemble", three, "independent", none));
    MODES.put("pair-independent", new Mode("independent", two, null, own));
    MODES.put("pair-dml", new Mode("dml", two, "pair-independent", none));
    for (int lambda : new int[] {2, 3, 5}) {
      MODES.put("pair-dml-lambda" + lambda,
          new Mode("dml", two, "pair-independent", weighting("none", "distillation.lambda", lambda)));
    }
    MODES.put("pair-dml-validation", new Mode("dml", two, "pair-independent", weighting("validation")));
    MODES.put("pair-dml-selective", new Mode("dml", two, "pair-independent", weighting("selective")));
    // Small-loss selection (noisy labels): co-teaching and JoCoR, ε estimated (auto), with and without distillation.
    MODES.put("pair-co-teaching", new Mode("dml", two, "pair-independent",
        weighting("none", "distillation.lambda", 0, "distillation.selection.method", "co-teaching")));
    for (int lambda : new int[] {1, 5}) {
      MODES.put("pair-co-teaching-lambda" + lambda, new Mode("dml", two, "pair-independent",
          weighting("none", "distillation.lambda", lambda, "distillation.selection.method", "co-teaching")));
      MODES.put("pair-jocor-lambda" + lambda, new Mode("dml", two, "pair-independent",
          weighting("none", "distillation.lambda", lambda, "distillation.selection.method", "jocor")));
    }
    // Eight peers: what sparse exchange costs (issue 23), at λ = 5.
    List<Map<String, Object>> eight = new java.util.ArrayList<>();
    for (char name = 'a'; name < 'a' + 8; name++) {
      eight.add(mlp("mlp-" + name, 256));
    }
    MODES.put("eight-independent", new Mode("independent", eight, null, own));
    for (String topology : List.of("dml", "ring", "random-k")) {
      MODES.put("eight-" + topology, new Mode(topology, eight, "eight-independent",
          weighting("none", "distillation.lambda", 5, "distillation.random-k.k", 2,
              "distillation.random-k.redraw-every", 10)));
    }
    // node-ensemble needs nodes to average on: two JVMs of four peers each (dml's targets).
    MODES.put("eight-node-ensemble", new Mode("node-ensemble", eight, "eight-independent",
        weighting("none", "distillation.lambda", 5, "cluster.nodes", 2)));
    MODES.put("ta-independent", new Mode("independent", chain, null, own));
    MODES.put("ta-chain", new Mode("ta-chain", chain, "ta-independent", none));
    MODES.put("ta-chain-validation", new Mode("ta-chain", chain, "ta-independent", weighting("validation")));
    MODES.put("ta-chain-correction", new Mode("ta-chain", chain, "ta-independent", weighting("correction")));
    MODES.put("ta-chain-selective", new Mode("ta-chain", chain, "ta-independent", weighting("selective")));
    MODES.put("ta-chain-t1", new Mode("ta-chain", chain, "ta-independent",
        weighting("none", "distillation.temperature", 1)));
  }
}
