package dev.cohort.actors.peer;

import dev.cohort.model.data.BatchSchedule;
import java.util.List;
import java.util.Map;

/**
 * The codistillation exchange (Anil et al. 2018): each peer trains on its own shard and never
 * waits inside a step. Before its step t it computes, with its model as it is, predictions for
 * each student's own batch of step t + d and sends them, so they are there before the student
 * needs them; at its own step s it uses what has arrived for s (at most d steps stale; older ones
 * are refused on arrival), nothing before the burn-in. A teacher that has not answered for s is
 * counted as late. (The staleness bound itself is the {@link StepGate}'s.)
 */
final class Codistillation implements StepMode {

  private final Exchange exchange;
  private final Outbox outbox;
  private final PredictionIntake intake;
  private final StepFigures figures;
  private final Map<String, BatchSchedule> studentSchedules;
  private final long burnInSteps;
  private final int lookahead;
  private final int epochs;
  private final Predictor predictor;
  private final Position position;

  /** @param studentSchedules each student's own schedule, over its shard */
  Codistillation(Exchange exchange, Outbox outbox, PredictionIntake intake, StepFigures figures,
      Map<String, BatchSchedule> studentSchedules, long burnInSteps, int lookahead, int epochs, Predictor predictor,
      Position position) {
    this.exchange = exchange;
    this.outbox = outbox;
    this.intake = intake;
    this.figures = figures;
    this.studentSchedules = Map.copyOf(studentSchedules);
    this.burnInSteps = burnInSteps;
    this.lookahead = lookahead;
    this.epochs = epochs;
    this.predictor = predictor;
    this.position = position;
  }

  /** None for a step that would land in the burn-in. */
  @Override
  public void beforeStep(long id) {
    long target = id + lookahead;
    if (target < burnInSteps) {
      return;
    }
    for (String student : exchange.students()) {
      BatchSchedule theirs = studentSchedules.get(student);
      if (target >= (long) epochs * theirs.batchesPerEpoch()) {
        // Past the student's last step: nothing to predict, but it still needs to hear how far
        // this peer has got, or its staleness bound would hold it back.
        outbox.progress(id - 1, List.of(student));
        continue;
      }
      int[] rows = theirs.batchAtStep(target);
      outbox.toStudent(student, target, position.step(), rows.length, predictor.softenedOn(rows));
    }
  }

  @Override
  public Exchange.Target target(long id, int[] labels, int classes, float[] softened) {
    intake.drain();
    if (id < burnInSteps) {
      exchange.skip(id);
      return Exchange.Target.none(labels.length * classes);
    }
    Exchange.Target target = exchange.takeTarget(id, softened, labels.length * classes, labels);
    figures.addStaleness(target);
    figures.addTimeouts(exchange.teachers().size() - target.teachersUsed());
    return target;
  }
}
