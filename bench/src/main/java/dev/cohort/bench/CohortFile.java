package dev.cohort.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cohort file as a benchmark makes it: settings by their path under {@code cohort}, each value
 * made by Typesafe Config from a plain Java value (strings, numbers, booleans, lists, maps), never
 * HOCON text pieced together, so a run id or a path with a quote in it cannot break the file.
 */
final class CohortFile {

  private CohortFile() {}

  /** {@code cohort { path = value, ... }} from paths such as {@code "training.epochs"}. */
  static Config of(Map<String, ?> settings) {
    Config config = ConfigFactory.empty();
    for (Map.Entry<String, ?> setting : settings.entrySet()) {
      config = config.withValue("cohort." + setting.getKey(), ConfigValueFactory.fromAnyRef(setting.getValue()));
    }
    return config;
  }

  /** Settings in the order given (later ones win), for {@link #of}. */
  static Map<String, Object> settings(Object... pathsAndValues) {
    if (pathsAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("paths and values come in pairs");
    }
    Map<String, Object> settings = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndValues.length; i += 2) {
      settings.put((String) pathsAndValues[i], pathsAndValues[i + 1]);
    }
    return settings;
  }

  /** A peer's entry of {@code cohort.peers}: its name and its own settings (e.g. "hidden", List.of(256)). */
  static Map<String, Object> peer(String name, Object... keysAndValues) {
    Map<String, Object> peer = new LinkedHashMap<>();
    peer.put("name", name);
    peer.putAll(settings(keysAndValues));
    return peer;
  }

  /** The same peers, each with its own seed: {@code 100 · seed + its position} (from 1). */
  static List<Map<String, Object>> seeded(List<Map<String, Object>> peers, int seed) {
    List<Map<String, Object>> seeded = new ArrayList<>();
    for (Map<String, Object> peer : peers) {
      Map<String, Object> copy = new LinkedHashMap<>(peer);
      copy.put("seed", seed * 100 + seeded.size() + 1);
      seeded.add(copy);
    }
    return seeded;
  }

  /** The file's text, for a JVM that reads it from disk. */
  static String render(Config cohort) {
    return cohort.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
  }
}
