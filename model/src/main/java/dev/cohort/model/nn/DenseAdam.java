package dev.cohort.model.nn;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link DenseStep}'s Adam: the moments on the heap, where the JIT vectorises the update, read
 * from and written back to the network's updater state (first moments, then second moments, as
 * DL4J lays them out), so a checkpoint holds them exactly as DL4J's own fit would.
 */
final class DenseAdam {

  private final float[] firstMoment;
  private final float[] secondMoment;
  private double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private boolean dirty;

  /** @param state the network's updater state, from its first element */
  DenseAdam(Adam adam, FloatPointer state, int parameters) {
    this.firstMoment = new float[parameters];
    this.secondMoment = new float[parameters];
    state.get(firstMoment);
    new FloatPointer(state).position(state.position() + parameters).get(secondMoment);
    this.learningRate = adam.getLearningRate();
    this.beta1 = adam.getBeta1();
    this.beta2 = adam.getBeta2();
    this.epsilon = adam.getEpsilon();
  }

  /** The learning rate of the next updates (a schedule changes it between steps; the moments stay). */
  void learningRate(double rate) {
    learningRate = rate;
  }

  /**
   * Adam as DL4J's updater applies it (libnd4j's adam_updater): t = iteration + 1,
   * α_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − α_t·m/(√v + ε).
   */
  void update(float[] p, float[] g, int iteration) {
    int t = iteration + 1;
    float alpha = (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float oneMinusB1 = (float) (1 - beta1);
    float oneMinusB2 = (float) (1 - beta2);
    float eps = (float) epsilon;
    float[] m = firstMoment;
    float[] v = secondMoment;
    for (int i = 0; i < p.length; i++) {
      float gi = g[i];
      float mi = b1 * m[i] + oneMinusB1 * gi;
      float vi = b2 * v[i] + oneMinusB2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= alpha * mi / ((float) Math.sqrt(vi) + eps);
    }
    dirty = true;
  }

  /** Writes the moments back into the updater state at {@code state} (before the network is saved). */
  void flush(FloatPointer state) {
    if (!dirty) {
      return;
    }
    state.put(firstMoment);
    state.position(state.position() + firstMoment.length).put(secondMoment);
    dirty = false;
  }
}
