package dev.cohort.actors.config;

import java.util.List;

/**
 * One peer of the cohort as the cohort file declares it.
 *
 * @param conv the CNN's convolution widths (empty for an MLP)
 * @param encoding the encoding of the predictions its teachers send it (its incoming links), or
 *     empty for the run's {@code distillation.encoding}
 */
public record PeerSpec(String name, String model, List<Integer> hidden, List<Integer> conv, long seed, String encoding) {

  public PeerSpec {
    hidden = List.copyOf(hidden);
    conv = List.copyOf(conv);
  }

  /** A peer whose links use the run's encoding. */
  public PeerSpec(String name, String model, List<Integer> hidden, List<Integer> conv, long seed) {
    this(name, model, hidden, conv, seed, "");
  }
}
