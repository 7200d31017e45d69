package dev.cohort.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The coordinator's decisions about lost peers, without an actor: what is restarted, when, and what is given up. */
class FailoverDecisionsTest {

  private final RecordingRuntime run = new RecordingRuntime();
  private final List<String> console = new ArrayList<>();
  private final Failover failover = new Failover(run, console::add, 2);

  @Test
  void aPeerThatMayStillRunIsRestartedOnlyOnceItsNodeIsDowned() {
    run.stillRunning.add("c");
    failover.lost("c", "it stopped or its node left the cluster", true);
    assertEquals(List.of("lost c: it stopped or its node left the cluster", "peer-awaiting-down c"), run.actions);
    assertFalse(failover.settled(), "the run waits for the node's fate before it exports");
    failover.lost("c", "again", true);
    assertEquals(2, run.actions.size(), "lost once");

    run.actions.clear();
    failover.nodeGone(List.of("a", "c"));
    assertEquals(List.of("lost c: it stopped or its node left the cluster", "timer c 1", "peer-restarting c", "place c at 120"),
        run.actions, "its node is downed, whatever a late cluster state still says: restarted; a is untouched");
  }

  @Test
  void aCoordinatorOnTheMinoritySideRestartsNothing() {
    run.inMinority = true;
    failover.lost("b", "it stopped or its node left the cluster", true);
    failover.unreachable("c", "n3");
    failover.nodeGone(List.of("b", "c"));
    assertEquals(List.of("lost b: it stopped or its node left the cluster", "peer-awaiting-down b", "peer-awaiting-down c"),
        run.actions, "the majority's coordinator restarts them");
  }

  @Test
  void anUnreachableNodesPeerAwaitsItsDowningAndTrainsOnWhenTheNodeIsBack() {
    failover.unreachable("c", "n3");
    assertTrue(failover.isHandled("c"));
    assertFalse(failover.settled());
    failover.reachableAgain("c");
    assertTrue(failover.settled());
    assertEquals(List.of("peer-awaiting-down c", "peer-reachable-again c"), run.actions, "nothing restarted");
    failover.nodeGone(List.of("c"));
    assertEquals(2, run.actions.size(), "a node downed after its peer came back restarts nothing it no longer awaits");
  }

  @Test
  void aRestartedPeerIsTriedAgainUntilItsRestartsAreUsedUpThenGivenUp() {
    failover.lost("b", "node gone", true);
    assertTrue(failover.isRestarting("b"));
    failover.restartTimedOut("b", 1, "restart 1 did not register");
    assertEquals(2, failover.restarts("b"));
    failover.restartTimedOut("b", 1, "an earlier restart's deadline");
    assertEquals(2, failover.restarts("b"), "a stale deadline is ignored");
    failover.restartTimedOut("b", 2, "restart 2 did not register");
    assertTrue(failover.isDead("b"));
    assertTrue(run.actions.contains("peer-given-up b"), run.actions.toString());
    assertEquals("given up b", run.actions.get(run.actions.size() - 1));
    assertEquals("peer b lost: restart 2 did not register", console.get(console.size() - 1));
  }

  @Test
  void aPeerThatFailedByItselfIsGivenUpWithRestartsLeft() {
    failover.failed("w", "diverged at step 1");
    assertEquals(List.of("lost w: diverged at step 1", "given up w"), run.actions);
    assertTrue(failover.isDead("w"));
    assertEquals(0, failover.restarts("w"));
  }

  @Test
  void aRestartedPeerThatRegistersRejoinsWhereTheOthersAreAndIsNoLongerDead() {
    failover.history(Map.of("a", 1), List.of());
    failover.lost("a", "node gone", true);
    assertEquals(2, failover.restarts("a"), "counted on from the run's history");
    assertEquals(Long.valueOf(120), failover.registered("a"));
    assertTrue(run.actions.contains("cancel a"));
    assertTrue(failover.settled());
    assertNull(failover.registered("a"), "registered once");
  }

  @Test
  void aRestartNoNodeCanTakeIsPlacedWhenOneJoins() {
    run.nodeAvailable = false;
    failover.lost("a", "node gone", true);
    assertTrue(run.actions.contains("peer-waiting-for-node a"), run.actions.toString());
    run.actions.clear();
    failover.placeUnplaced();
    assertEquals(List.of("place a at 120 (no node)"), run.actions);
    run.nodeAvailable = true;
    run.actions.clear();
    failover.placeUnplaced();
    failover.placeUnplaced();
    assertEquals(List.of("place a at 120"), run.actions, "placed once");
  }
}
