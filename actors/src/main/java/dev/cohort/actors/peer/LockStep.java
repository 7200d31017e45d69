package dev.cohort.actors.peer;

import dev.cohort.model.data.BatchSchedule;

/**
 * The lock-step exchange: every peer trains on the same batch at the same step. With lookahead 0
 * a peer sends the predictions of its step's own forward pass to its students, then waits (at most
 * max-wait, {@link TeacherWait}) for its teachers' on that batch: the target is exactly current.
 * With lookahead d ≥ 1 it sends, before its step t, predictions for the batch of step t + d from
 * an inference pass (after a start also for t … t + d − 1, which nobody predicted yet), so that
 * nobody waits at equal speeds and targets are up to d steps stale. A KD teacher training alone
 * sends nothing.
 */
final class LockStep implements StepMode {

  private final Exchange exchange;
  private final Outbox outbox;
  private final PredictionIntake intake;
  private final TeacherWait wait;
  private final StepFigures figures;
  private final int lookahead;
  private final BatchSchedule schedule;
  private final long steps;
  private final Predictor predictor;
  private final Position position;
  private boolean primed;

  /** @param steps the run's steps: nothing is predicted at or past it */
  LockStep(Exchange exchange, Outbox outbox, PredictionIntake intake, TeacherWait wait, StepFigures figures,
      int lookahead, BatchSchedule schedule, long steps, Predictor predictor, Position position) {
    this.exchange = exchange;
    this.outbox = outbox;
    this.intake = intake;
    this.wait = wait;
    this.figures = figures;
    this.lookahead = lookahead;
    this.schedule = schedule;
    this.steps = steps;
    this.predictor = predictor;
    this.position = position;
  }

  @Override
  public void beforeStep(long id) {
    if (lookahead == 0 || !sends()) {
      return;
    }
    for (long target = primed ? id + lookahead : id; target <= id + lookahead && target < steps; target++) {
      int[] rows = schedule.batchAtStep(target);
      outbox.toStudents(target, position.step(), rows.length, predictor.softenedOn(rows));
    }
    primed = true;
  }

  @Override
  public Exchange.Target target(long id, int[] labels, int classes, float[] softened) {
    if (lookahead == 0 && sends()) {
      outbox.toStudents(id, position.step(), labels.length, softened);
    }
    intake.drain();
    outbox.beforeWaiting(id);
    wait.await(id);
    Exchange.Target target = exchange.takeTarget(id, softened, labels.length * classes, labels);
    figures.addStaleness(target);
    return target;
  }

  private boolean sends() {
    return !position.pretraining() && !exchange.students().isEmpty();
  }
}
