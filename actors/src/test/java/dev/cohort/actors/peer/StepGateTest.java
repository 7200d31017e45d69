package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The decision whether a peer's next step may start, without an actor. */
class StepGateTest {

  private static StepGate.Verdict verdict(StepGate.Kind kind, boolean arm, boolean cancelCheck, long waited) {
    return new StepGate.Verdict(kind, arm, cancelCheck, waited);
  }

  @Test
  void aStepWithAPeerTooFarBehindIsHeldUntilItCatchesUpAndTheHoldIsTimed() {
    StepGate gate = new StepGate(false, 0, 2);
    assertEquals(verdict(StepGate.Kind.GO, false, false, -1), gate.check(4, false, false, () -> false, 100));
    assertEquals(verdict(StepGate.Kind.THROTTLE, true, false, -1), gate.check(5, false, false, () -> true, 200));
    assertTrue(gate.throttled());
    assertEquals(verdict(StepGate.Kind.THROTTLE, false, false, -1), gate.check(5, false, false, () -> true, 300),
        "held already: its bound is armed once");
    assertEquals(verdict(StepGate.Kind.GO, false, false, 700), gate.check(5, false, false, () -> false, 900),
        "caught up: the step goes, held for 700 ns");
    assertFalse(gate.throttled());
  }

  @Test
  void afterTheBoundThatOneStepGoesWhoeverIsBehindAndTheNextIsHeldAgain() {
    StepGate gate = new StepGate(false, 0, 2);
    gate.check(5, false, false, () -> true, 0);
    gate.boundPassed(5);
    assertEquals(verdict(StepGate.Kind.GO, false, false, 1_000), gate.check(5, false, false, () -> true, 1_000));
    assertEquals(StepGate.Kind.THROTTLE, gate.check(6, false, false, () -> true, 2_000).kind());
  }

  @Test
  void aNodeInTheMinorityPausesEveryStepUntilItSeesAMajority() {
    StepGate gate = new StepGate(false, 0, 2);
    assertEquals(StepGate.Kind.PAUSE, gate.check(3, false, true, () -> false, 0).kind());
    assertTrue(gate.paused());
    assertEquals(StepGate.Kind.PAUSE, gate.check(3, true, true, () -> false, 0).kind(), "a KD teacher training alone too");
    assertEquals(verdict(StepGate.Kind.GO, false, true, -1), gate.check(3, false, false, () -> false, 10),
        "a majority again: the step goes, the reachability check is no longer needed");
    assertFalse(gate.paused());
  }

  @Test
  void aPauseThatEndsWhileThrottledKeepsTheThrottlesReachabilityCheck() {
    StepGate gate = new StepGate(false, 0, 2);
    gate.check(5, false, false, () -> true, 0);
    gate.check(5, false, true, () -> true, 10);
    assertEquals(verdict(StepGate.Kind.THROTTLE, false, false, -1), gate.check(5, false, false, () -> true, 20));
  }

  @Test
  void nobodyHoldsBackAKdTeacherTrainingAloneNorACodistillationPeerInItsBurnIn() {
    StepGate lockStep = new StepGate(false, 0, 2);
    assertEquals(StepGate.Kind.GO, lockStep.check(9, true, false, () -> true, 0).kind());
    assertEquals(StepGate.Kind.GO, lockStep.check(9, true, false, () -> {
      throw new AssertionError("who is behind is not asked for a step nobody holds back");
    }, 0).kind());
    StepGate codistillation = new StepGate(true, 100, 5);
    assertEquals(5, codistillation.window());
    assertEquals(StepGate.Kind.GO, codistillation.check(99, false, false, () -> true, 0).kind());
    assertEquals(StepGate.Kind.THROTTLE, codistillation.check(100, false, false, () -> true, 0).kind());
  }
}
