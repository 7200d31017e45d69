package dev.cohort.actors.peer;

import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;

/**
 * The lock-step wait inside a training step: blocks the peer's thread until every teacher has
 * answered for the batch (or is past it, finished, gone or on an unreachable node), at most
 * {@code max-wait}. A teacher missing then is skipped for that step, logged and counted: a slow
 * or dead teacher costs its students at most max-wait a step, never a stop. Only what arrives
 * past the mailbox is taken meanwhile.
 */
final class TeacherWait {

  /** How often a waiting peer looks whether its node is shutting down or a teacher became unreachable. */
  static final long SLICE_NANOS = 100_000_000L;

  private final String self;
  private final Exchange exchange;
  private final PredictionIntake intake;
  private final Duration maxWait;
  private final BooleanSupplier shuttingDown;
  private final Runnable lookAtReachability;
  private final StepFigures figures;
  private final Logger log;
  /** The batch the current max-wait counts for, and when it ends ({@link System#nanoTime}). */
  private long deadlineBatch = Long.MIN_VALUE;
  private long deadline;

  /**
   * @param shuttingDown whether this node is going down: the wait ends, to let the stop through
   * @param lookAtReachability tells the exchange which linked peers' nodes are unreachable now
   */
  TeacherWait(String self, Exchange exchange, PredictionIntake intake, Duration maxWait, BooleanSupplier shuttingDown,
      Runnable lookAtReachability, StepFigures figures, Logger log) {
    this.self = self;
    this.exchange = exchange;
    this.intake = intake;
    this.maxWait = maxWait;
    this.shuttingDown = shuttingDown;
    this.lookAtReachability = lookAtReachability;
    this.figures = figures;
    this.log = log;
  }

  /** Returns once the teachers' predictions for {@code batchId} are in, or max-wait has passed. */
  void await(long batchId) {
    await(batchId, teacher -> true, true);
  }

  /**
   * Returns once the teachers {@code among} accepts have answered for {@code batchId} (or are past
   * it, gone or unreachable), or max-wait has passed; the wait for every teacher that follows on
   * the same batch ends within the same max-wait, counted from this one's start, and it logs and
   * counts whoever is missing.
   */
  void awaitSome(long batchId, Predicate<String> among) {
    await(batchId, among, false);
  }

  private void await(long batchId, Predicate<String> among, boolean countMissing) {
    if (answered(batchId, among)) {
      return;
    }
    ExchangeEvents.Wait event = new ExchangeEvents.Wait();
    event.begin();
    long started = System.nanoTime();
    if (batchId != deadlineBatch) {
      deadlineBatch = batchId;
      deadline = started + maxWait.toNanos();
    }
    long lastArrival = PredictionIntake.NOTHING;
    long lastTaken = 0;
    try {
      while (!answered(batchId, among)) {
        long taken = intake.takeNext(Math.min(deadline - System.nanoTime(), SLICE_NANOS));
        if (taken != PredictionIntake.NOTHING) {
          lastArrival = taken;
          lastTaken = System.nanoTime();
          continue;
        }
        if (shuttingDown.getAsBoolean()) {
          return;
        }
        if (System.nanoTime() - deadline >= 0) {
          if (countMissing) {
            timedOut(batchId);
          }
          return;
        }
        lookAtReachability.run();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("peer " + self + " was interrupted while waiting for its teachers", e);
    } finally {
      long now = System.nanoTime();
      figures.addWait(now - started);
      event.end();
      if (event.shouldCommit()) {
        event.peer = self;
        event.batch = batchId;
        event.wakeUp = lastArrival > PredictionIntake.DEPARTURE && lastArrival - started >= 0 ? lastTaken - lastArrival : -1;
        event.commit();
      }
    }
  }

  private boolean answered(long batchId, Predicate<String> among) {
    return !exchange.waitsFor(batchId, among);
  }

  private void timedOut(long batchId) {
    Set<String> missing = exchange.missing(batchId);
    log.warn("peer {}: no predictions from {} for batch {} within {} ms; training with {} of {} teachers",
        self, missing, batchId, maxWait.toMillis(), exchange.teachers().size() - missing.size(),
        exchange.teachers().size());
    figures.addTimeouts(missing.size());
  }
}
