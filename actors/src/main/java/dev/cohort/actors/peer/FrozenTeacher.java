package dev.cohort.actors.peer;

import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.nn.PeerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A frozen KD teacher's step: no training, one inference pass on the batch, sent to its students
 * in lock-step. Its predictions are as current as can be: their model step is their batch.
 */
final class FrozenTeacher {

  /** What the step saw, for its figures: logits rows × classes, labels rows × 2·classes, row-major. */
  record Served(float[] logits, float[] labelMatrix) {}

  private final PeerNetwork network;
  private final Exchange exchange;
  private final Outbox outbox;
  private final StepFigures figures;
  private final Softening softening;

  FrozenTeacher(PeerNetwork network, Exchange exchange, Outbox outbox, StepFigures figures, Softening softening) {
    this.network = network;
    this.exchange = exchange;
    this.outbox = outbox;
    this.figures = figures;
    this.softening = softening;
  }

  Served serve(long id, INDArray features, int[] labels) {
    float[] logits = network.logitValues(features);
    float[] softened = softening.soften(logits);
    int classes = softening.classes();
    outbox.toStudents(id, id, labels.length, softened);
    Exchange.Target target = exchange.takeTarget(id, softened, labels.length * classes, labels);
    figures.addStaleness(target);
    return new Served(logits, SoftTargets.labelValues(labels, target.values(), classes));
  }
}
