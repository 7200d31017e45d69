package dev.cohort.model.nn;

/** What runs a peer's training step. */
public enum StepEngine {
  /**
   * The fastest correct path measured on this stack (docs/PERFORMANCE.md): the MLP presets train
   * through {@link DenseStep} (ND4J GEMMs, the elementwise work and Adam in Java); every other
   * network through DL4J's {@code fit} with oneDNN engaged for its convolutions and pooling where
   * the ND4J build has it. The default.
   */
  COHORT,
  /** DL4J's {@code MultiLayerNetwork.fit} exactly as DL4J 1.0.0-M2.1 ships it: the reference. */
  DL4J
}
