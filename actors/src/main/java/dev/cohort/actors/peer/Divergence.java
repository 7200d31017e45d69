package dev.cohort.actors.peer;

import dev.cohort.model.distill.DistillationLoss;

/**
 * A peer whose training has diverged (non-finite logits, loss or weights, e.g. from a learning rate
 * far too high) stops before it sends or saves anything non-finite: it fails, the coordinator
 * records why and the run goes on without it, and its last good checkpoint stays as it was.
 */
final class Divergence {

  private Divergence() {}

  static void checkLogits(float[] logits, long step, double learningRate) {
    for (float value : logits) {
      if (!Float.isFinite(value)) {
        throw diverged(step, "non-finite logits (" + value + ")", learningRate);
      }
    }
  }

  static void check(DistillationLoss.Parts loss, long step, double learningRate) {
    if (!Double.isFinite(loss.crossEntropy()) || !Double.isFinite(loss.distillation())) {
      throw diverged(step, "non-finite loss (cross-entropy " + loss.crossEntropy() + ", distillation "
          + loss.distillation() + ")", learningRate);
    }
  }

  /** The failure; its message is the reason the coordinator records for the peer. */
  static IllegalStateException diverged(long step, String what, double learningRate) {
    return new IllegalStateException("diverged at step " + step + ": " + what
        + "; learning rate " + learningRate + " may be too high for it");
  }
}
