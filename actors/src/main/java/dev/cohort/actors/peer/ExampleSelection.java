package dev.cohort.actors.peer;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.data.RunData;
import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.SmallLossSelection;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.distill.StepTarget;
import dev.cohort.model.nn.PeerNetwork;
import java.util.stream.IntStream;
import org.slf4j.Logger;

/**
 * A peer's small-loss selection ({@code distillation.selection}): which examples of each batch
 * it trains on, from the losses its teachers' predictions imply ({@link SmallLossSelection}).
 * Holds the forget-rate schedule. With {@code forget-rate = auto} it estimates ε halfway through
 * the peer's first epoch (when the forget rate is still 0): the model as it is then, on the
 * validation split and on the training examples the epoch has not reached yet, which it has never
 * trained on. The estimate is kept in the peer's {@link Position}, so a checkpoint carries it and
 * a resumed peer selects as before.
 */
final class ExampleSelection {

  private final String name;
  private final CohortSettings.Selection settings;
  private final double temperature;
  private final Position position;
  private final PeerNetwork network;
  private final RunData data;
  private final BatchSchedule schedule;
  private final Logger log;

  ExampleSelection(String name, CohortSettings.Distillation distillation, Position position, PeerNetwork network,
      RunData data, BatchSchedule schedule, Logger log) {
    this.name = name;
    this.settings = distillation.selection();
    this.temperature = distillation.temperature();
    this.position = position;
    this.network = network;
    this.data = data;
    this.schedule = schedule;
    this.log = log;
  }

  /** ε as set, or as estimated; NaN while {@code auto} has not estimated it yet. */
  double epsilon() {
    return settings.autoRate() ? position.estimatedForgetRate().orElse(Double.NaN) : settings.forgetRate();
  }

  /** The share of each batch left out in the epoch in progress. */
  double forgetRate() {
    double epsilon = epsilon();
    return !settings.active() || Double.isNaN(epsilon) ? 0
        : SmallLossSelection.forgetRate(epsilon, settings.rampEpochs(), position.epoch());
  }

  /** Before each step of the peer's own training: with {@code auto}, the estimate when its time has come. */
  void beforeStep() {
    if (!settings.active() || !settings.autoRate() || position.estimatedForgetRate().isPresent()
        || position.pretraining()) {
      return;
    }
    int batches = schedule.batchesPerEpoch();
    if (position.epoch() == 0 && position.batchIndex() < batches / 2) {
      return;
    }
    if (batches < 2) {
      position.forgetRateEstimated(0);
      log.warn("peer {}: an epoch of one batch leaves no unseen training examples to estimate {}'s forget rate on;"
          + " none is left out (set distillation.selection.forget-rate)", name, settings.method().key());
      return;
    }
    // Halfway through the first epoch; or later, for a peer that resumed without an estimate (then the rest of the
    // epoch's examples have been seen before, and the estimate is lower).
    IntStream.Builder rows = IntStream.builder();
    for (int b = position.batchIndex(); b < batches; b++) {
      IntStream.of(schedule.batch(position.epoch(), b)).forEach(rows::add);
    }
    LabeledData unseen = data.train().select(rows.build().toArray());
    int classes = unseen.classes();
    SmallLossSelection.Estimate estimate = SmallLossSelection.estimateForgetRate(predicted(data.validation(), classes),
        data.validation().labels(data.validation().allRows()), predicted(unseen, classes),
        unseen.labels(unseen.allRows()), classes);
    position.forgetRateEstimated(estimate.rate());
    log.info("peer {}: {} forget rate estimated at {} ({} fit) at epoch {} batch {}, on the validation split and {}"
        + " training examples not trained on yet", name, settings.method().key(), String.format("%.3f", estimate.rate()),
        estimate.fit(), position.epoch() + 1, position.batchIndex(), unseen.size());
  }

  private int[] predicted(LabeledData split, int classes) {
    float[] probabilities = network.evaluate(split).probabilities();
    int[] classOf = new int[split.size()];
    for (int r = 0; r < classOf.length; r++) {
      classOf[r] = SoftTargets.argMax(probabilities, r * classes, classes);
    }
    return classOf;
  }

  /**
   * The step's target with the selection applied: the weights of the kept rows' labels (and, for
   * JoCoR, of their targets) at {@code n/kept}, the others at 0. A step without teachers, or at a
   * forget rate of 0, keeps every row.
   *
   * @param z the step's logits, rows × classes
   * @param lambda the step's distillation weight (JoCoR's agreement term)
   */
  StepTarget apply(Exchange.Target target, float[] z, int[] labels, int classes, double lambda) {
    double rate = forgetRate();
    if (rate == 0 || target.teachers().isEmpty()) {
      return StepTarget.of(target.values());
    }
    double[] loss = settings.method() == SmallLossSelection.Method.CO_TEACHING
        ? SmallLossSelection.teachersLoss(target.teachers(), labels, classes, temperature)
        : SmallLossSelection.jointLoss(z, target.teachers(), target.values(), labels, classes, temperature, lambda);
    float[] weights = SmallLossSelection.keepSmallest(loss, rate);
    if (settings.method() == SmallLossSelection.Method.CO_TEACHING) {
      return new StepTarget(target.values(), weights);
    }
    float[] scaled = target.values().clone();
    for (int r = 0; r < labels.length; r++) {
      for (int c = 0; c < classes; c++) {
        scaled[r * classes + c] *= weights[r];
      }
    }
    return new StepTarget(scaled, weights);
  }
}
