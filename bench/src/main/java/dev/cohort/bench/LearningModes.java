package dev.cohort.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The modes {@code cohort bench learning} can run, by name: a topology over its peers, with its
 * independent baseline and settings of its own (a teacher weighting, λ, T).
 */
final class LearningModes {

  private LearningModes() {}

  /**
   * A topology, its peers, the mode with the same peers trained independently (or null), and
   * settings of its own (HOCON under {@code cohort}, e.g. a teacher weighting).
   */
  record Mode(String topology, String peers, String baseline, String config) {}

  static final Map<String, Mode> MODES = new LinkedHashMap<>();
  private static final String NONE = weighting("none");

  private static String weighting(String name) {
    return "distillation.teacher-weighting = " + name;
  }

  static {
    String three = "[{name = mlp-a, hidden = [256]}, {name = mlp-b, hidden = [256]}, {name = mlp-c, hidden = [128]}]";
    String two = "[{name = mlp-a, hidden = [256]}, {name = mlp-b, hidden = [256]}]";
    String chain = "[{name = large, hidden = [512, 256]}, {name = assistant, hidden = [128]}, {name = small, hidden = [32]}]";
    MODES.put("independent", new Mode("independent", three, null, ""));
    MODES.put("dml", new Mode("dml", three, "independent", NONE));
    MODES.put("ensemble", new Mode("ensemble", three, "independent", NONE));
    MODES.put("pair-independent", new Mode("independent", two, null, ""));
    MODES.put("pair-dml", new Mode("dml", two, "pair-independent", NONE));
    for (int lambda : new int[] {2, 3, 5}) {
      MODES.put("pair-dml-lambda" + lambda,
          new Mode("dml", two, "pair-independent", NONE + "\n  distillation.lambda = " + lambda));
    }
    MODES.put("pair-dml-validation", new Mode("dml", two, "pair-independent", weighting("validation")));
    MODES.put("pair-dml-selective", new Mode("dml", two, "pair-independent", weighting("selective")));
    MODES.put("ta-independent", new Mode("independent", chain, null, ""));
    MODES.put("ta-chain", new Mode("ta-chain", chain, "ta-independent", NONE));
    MODES.put("ta-chain-validation", new Mode("ta-chain", chain, "ta-independent", weighting("validation")));
    MODES.put("ta-chain-correction", new Mode("ta-chain", chain, "ta-independent", weighting("correction")));
    MODES.put("ta-chain-selective", new Mode("ta-chain", chain, "ta-independent", weighting("selective")));
    MODES.put("ta-chain-t1", new Mode("ta-chain", chain, "ta-independent", NONE + "\n  distillation.temperature = 1"));
  }
}
