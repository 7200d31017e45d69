package dev.cohort.actors.config;

import java.util.List;

/**
 * One peer of the cohort as the cohort file declares it.
 *
 * @param conv the CNN's convolution widths (empty for an MLP)
 */
public record PeerSpec(String name, String model, List<Integer> hidden, List<Integer> conv, long seed) {

  public PeerSpec {
    hidden = List.copyOf(hidden);
    conv = List.copyOf(conv);
  }
}
