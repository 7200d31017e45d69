package dev.cohort.actors.peer;

import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;
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
    if (exchange.complete(batchId)) {
      return;
    }
    ExchangeEvents.Wait event = new ExchangeEvents.Wait();
    event.begin();
    long started = System.nanoTime();
    long deadline = started + maxWait.toNanos();
    long lastArrival = PredictionIntake.NOTHING;
    long lastTaken = 0;
    try {
      while (!exchange.complete(batchId)) {
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
          timedOut(batchId);
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

  private void timedOut(long batchId) {
    Set<String> missing = exchange.missing(batchId);
    log.warn("peer {}: no predictions from {} for batch {} within {} ms; training with {} of {} teachers",
        self, missing, batchId, maxWait.toMillis(), exchange.teachers().size() - missing.size(),
        exchange.teachers().size());
    figures.addTimeouts(missing.size());
  }
}
