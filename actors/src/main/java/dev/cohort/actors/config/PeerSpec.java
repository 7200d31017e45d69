package dev.cohort.actors.config;

import java.util.List;

/**
 * One peer of the cohort as the cohort file declares it.
 *
 * @param conv the CNN's convolution widths (empty for an MLP)
 * @param encoding the encoding of the predictions its teachers send it (its incoming links), or
 *     empty for the run's {@code distillation.encoding}
 * @param learningRate its own learning rate, or 0 for the run's {@code training.learning-rate}
 */
public record PeerSpec(
    String name, String model, List<Integer> hidden, List<Integer> conv, long seed, String encoding, double learningRate) {

  public PeerSpec {
    hidden = List.copyOf(hidden);
    conv = List.copyOf(conv);
  }

  /** A peer whose links use the run's encoding, with the run's learning rate. */
  public PeerSpec(String name, String model, List<Integer> hidden, List<Integer> conv, long seed) {
    this(name, model, hidden, conv, seed, "", 0);
  }

  /** Its learning rate: its own, or else the run's. */
  public double learningRate(double runs) {
    return learningRate > 0 ? learningRate : runs;
  }
}
