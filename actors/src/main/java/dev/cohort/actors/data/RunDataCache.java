package dev.cohort.actors.data;

import dev.cohort.actors.config.CohortSettings;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One copy of each dataset per node, shared read-only by the node's peers. The first peer to ask
 * loads it (on its own thread); peers asking meanwhile wait for that load instead of repeating it.
 */
public final class RunDataCache {

  private final ConcurrentMap<CohortSettings.Data, RunData> loaded = new ConcurrentHashMap<>();

  public RunData get(CohortSettings.Data settings) {
    return loaded.computeIfAbsent(settings, RunData::load);
  }
}
