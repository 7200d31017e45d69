package dev.cohort.actors.peer;

import java.util.function.BooleanSupplier;

/**
 * Whether a peer's next step may start. None while its node sees only a minority of the cluster
 * (paused until it sees a majority: no two copies of a peer train). None while a peer it must not
 * run ahead of is more than the window behind (throttled until that peer catches up or is found
 * unreachable, or until max-wait passes, after which that one step goes ungated): in lock-step its
 * students, in codistillation after the burn-in its teachers. Plain Java: the trainer arms and
 * cancels the timers each verdict asks for.
 */
final class StepGate {

  /** What the trainer does about the step. */
  enum Kind {
    GO,
    PAUSE,
    THROTTLE
  }

  /**
   * The verdict on one step.
   *
   * @param armThrottle a throttle starts now: arm its bound (max-wait) and the reachability check
   * @param cancelReachabilityCheck a pause ended and no throttle needs the reachability check
   * @param waitedNanos for a step that goes after a throttle, how long it was held (else -1); its
   *     bound and the reachability check are to be cancelled
   */
  record Verdict(Kind kind, boolean armThrottle, boolean cancelReachabilityCheck, long waitedNanos) {}

  private final boolean codistillation;
  private final long burnInSteps;
  private final int window;
  private long throttledSinceNanos = -1;
  private boolean paused;
  private long ungatedBatch = -1;

  /**
   * @param window how far ahead of the slowest linked peer this one may run: the window in
   *     lock-step, the lookahead d in codistillation
   */
  StepGate(boolean codistillation, long burnInSteps, int window) {
    this.codistillation = codistillation;
    this.burnInSteps = burnInSteps;
    this.window = window;
  }

  int window() {
    return window;
  }

  boolean paused() {
    return paused;
  }

  boolean throttled() {
    return throttledSinceNanos >= 0;
  }

  /**
   * The verdict on step {@code id}.
   *
   * @param pretraining a KD teacher training alone: it waits for nobody
   * @param inMinority this node sees only a minority of the cluster
   * @param anyBehind whether a peer it must not run ahead of is more than the window behind
   *     {@code id}; asked only for a step that is gated
   */
  Verdict check(long id, boolean pretraining, boolean inMinority, BooleanSupplier anyBehind, long nowNanos) {
    if (inMinority) {
      paused = true;
      return new Verdict(Kind.PAUSE, false, false, -1);
    }
    boolean cancelCheck = paused && throttledSinceNanos < 0;
    paused = false;
    if (gated(id, pretraining) && id != ungatedBatch && anyBehind.getAsBoolean()) {
      boolean arm = throttledSinceNanos < 0;
      if (arm) {
        throttledSinceNanos = nowNanos;
      }
      return new Verdict(Kind.THROTTLE, arm, cancelCheck, -1);
    }
    long waited = throttledSinceNanos >= 0 ? nowNanos - throttledSinceNanos : -1;
    throttledSinceNanos = -1;
    return new Verdict(Kind.GO, false, cancelCheck, waited);
  }

  /** The throttle's bound passed for step {@code id}: that step goes whoever is behind. */
  void boundPassed(long id) {
    ungatedBatch = id;
  }

  /** Whether step {@code id} waits for slow peers at all: not while a KD teacher trains alone, nor in codistillation's burn-in. */
  private boolean gated(long id, boolean pretraining) {
    if (pretraining) {
      return false;
    }
    return !codistillation || id >= burnInSteps;
  }
}
