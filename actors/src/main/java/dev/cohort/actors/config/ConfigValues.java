package dev.cohort.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import dev.cohort.model.data.LabelNoise;
import dev.cohort.model.distill.TeacherWeighting;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed reads of a cohort file's values, each refusing a bad one (or a key the defaults do not
 * know) with a {@link CohortConfigException} that names the key, the value found and what was
 * expected.
 */
final class ConfigValues {

  private ConfigValues() {}

  static List<Integer> widths(Config peer, String key, List<Integer> otherwise, String where, String name) {
    List<Integer> widths = peer.hasPath(key) ? peer.getIntList(key) : otherwise;
    for (int width : widths) {
      if (width <= 0) {
        throw new CohortConfigException(
            where + "." + key + " " + widths + " of peer " + name + ": layer widths must be positive");
      }
    }
    return widths;
  }

  static int atLeastZero(Config c, String key) {
    int value = c.getInt(key);
    if (value < 0) {
      throw invalid(key, value, "an integer >= 0");
    }
    return value;
  }

  static <E extends Enum<E>> E oneOf(Config c, String key, Class<E> type) {
    String value = c.getString(key);
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw invalid(key, "'" + value + "'", "one of " + names(type));
    }
  }

  /** The values of {@code type} as a cohort file spells them. */
  private static <E extends Enum<E>> List<String> names(Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      names.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    return names;
  }

  static int positive(Config c, String key, String prefix) {
    return atLeast(c, key, 1, prefix);
  }

  static int atLeast(Config c, String key, int minimum, String prefix) {
    int value = c.getInt(key);
    if (value < minimum) {
      throw invalid(prefix + key, value, "an integer >= " + minimum);
    }
    return value;
  }

  static double positiveDouble(Config c, String key, String prefix) {
    double value = c.getDouble(key);
    if (!(value > 0) || Double.isInfinite(value)) {
      throw invalid(prefix + key, value, "a finite number > 0");
    }
    return value;
  }

  static CohortConfigException invalid(String key, Object found, String expected) {
    return new CohortConfigException(
        "cohort." + key + " = " + found + " is not valid: expected " + expected);
  }

  static void rejectUnknownKeys(Config user, Config defaults) {
    for (Map.Entry<String, ConfigValue> entry : user.entrySet()) {
      String key = entry.getKey();
      if (!defaults.hasPathOrNull(key)) {
        String origin = entry.getValue().origin().description();
        throw new CohortConfigException(
            "unknown key cohort." + key + " (" + origin + "); the known keys are documented in"
                + " cluster-config's reference.conf");
      }
    }
  }

  static double labelNoise(Config c) {
    double p = c.getDouble("data.label-noise");
    if (!(p >= 0 && p < 1)) {
      throw invalid("data.label-noise", p, "a rate in [0, 1): the share of training labels made wrong");
    }
    return p;
  }

  static LabelNoise.Type labelNoiseType(Config c) {
    return oneOf(c, "data.label-noise-type", LabelNoise.Type.class);
  }

  /**
   * {@code distillation.teacher-weighting}; {@code auto} (the default) is {@code selective} for the
   * TA chain, whose small student plain distillation makes worse on clean labels (docs/RESULTS.md),
   * and {@code none} for every other topology.
   */
  static TeacherWeighting teacherWeighting(Config c, CohortSettings.TopologyPreset preset) {
    String key = "distillation.teacher-weighting";
    String value = c.getString(key);
    if (value.equals("auto")) {
      return preset == CohortSettings.TopologyPreset.TA_CHAIN ? TeacherWeighting.SELECTIVE : TeacherWeighting.NONE;
    }
    try {
      return oneOf(c, key, TeacherWeighting.class);
    } catch (CohortConfigException e) {
      List<String> allowed = new ArrayList<>(List.of("auto"));
      allowed.addAll(names(TeacherWeighting.class));
      throw invalid(key, "'" + value + "'", "one of " + allowed);
    }
  }
}
