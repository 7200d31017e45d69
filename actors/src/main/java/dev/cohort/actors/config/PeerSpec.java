package dev.cohort.actors.config;

import java.util.List;

/** One peer of the cohort as the cohort file declares it. */
public record PeerSpec(String name, String model, List<Integer> hidden, long seed) {

  public PeerSpec {
    hidden = List.copyOf(hidden);
  }
}
