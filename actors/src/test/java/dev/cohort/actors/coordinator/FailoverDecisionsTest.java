package dev.cohort.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's decisions about lost peers, without an actor: what is restarted, when, and
 * what is given up. Events and timers are recorded as the failover makes them; the decisions it
 * returns as the test carries them out ("lost", "place", "given up").
 */
class FailoverDecisionsTest {

  private final RecordingRuntime run = new RecordingRuntime();
  private final List<String> console = new ArrayList<>();
  private final Failover failover = run.failover(console, 2);

  private void act(List<Failover.Decision> decisions) {
    run.carryOut(failover, decisions);
  }

  @Test
  void aPeerThatMayStillRunIsRestartedOnlyOnceItsNodeIsDowned() {
    run.stillRunning.add("c");
    act(failover.lost("c", "it stopped or its node left the cluster", true));
    assertEquals(List.of("peer-lost c", "peer-awaiting-down c", "lost c"), run.actions);
    assertFalse(failover.settled(), "the run waits for the node's fate before it exports");
    act(failover.lost("c", "again", true));
    assertEquals(3, run.actions.size(), "lost once");

    run.actions.clear();
    act(failover.nodeGone("n3", List.of("a", "c"), Set.of()));
    assertEquals(List.of("peer-lost c", "timer c 1", "peer-restarting c", "lost c", "place c at 120"),
        run.actions, "its node is downed, whatever a late cluster state still says: restarted; a is untouched");
  }

  @Test
  void aCoordinatorOnTheMinoritySideRestartsNothing() {
    run.inMinority = true;
    act(failover.lost("b", "it stopped or its node left the cluster", true));
    failover.unreachable("c", "n3");
    act(failover.nodeGone("n3", List.of("b", "c"), Set.of("b", "c")));
    assertEquals(List.of("peer-lost b", "peer-awaiting-down b", "lost b", "peer-awaiting-down c"),
        run.actions, "the majority's coordinator restarts them");
  }

  @Test
  void aNodeGoneBeforeItsPeersStartedHasThemPlacedAgainAndNoneOfTheOthers() {
    act(failover.nodeGone("n3", List.of("a", "b", "c"), Set.of("b", "c")));
    assertEquals(List.of("peer-lost b", "timer b 1", "peer-restarting b", "peer-lost c", "timer c 1",
        "peer-restarting c", "lost b", "place b at 120", "lost c", "place c at 120"), run.actions,
        "b and c never started there (they would never register); a was training and is dealt with when it leaves the listing");
    assertFalse(failover.settled(), "the run waits for their new copies");

    run.actions.clear();
    act(failover.nodeGone("n4", List.of("b"), Set.of("b")));
    assertEquals(List.of("peer-lost b", "timer b 2", "peer-restarting b", "lost b", "place b at 120"), run.actions,
        "the node b was placed on again went too, before b registered there: placed once more, not left to its timer");
    assertEquals(Long.valueOf(120), failover.registered("b"));
    assertEquals(Long.valueOf(120), failover.registered("c"));
    assertTrue(failover.settled());
  }

  @Test
  void aNodeGoneBeforeItsPeerStartedUsesARestartAndWithNoneLeftGivesThePeerUp() {
    Failover noRestarts = run.failover(console, 0);
    run.carryOut(noRestarts, noRestarts.nodeGone("n3", List.of("b"), Set.of("b")));
    assertEquals(List.of("peer-lost b", "peer-given-up b", "lost b", "given up b"), run.actions);
    assertTrue(noRestarts.isDead("b"));
    assertEquals(List.of(), noRestarts.nodeGone("n3", List.of("b"), Set.of("b")), "given up once");
  }

  @Test
  void anUnreachableNodesPeerAwaitsItsDowningAndTrainsOnWhenTheNodeIsBack() {
    failover.unreachable("c", "n3");
    assertTrue(failover.isHandled("c"));
    assertFalse(failover.settled());
    failover.reachableAgain("c");
    assertTrue(failover.settled());
    assertEquals(List.of("peer-awaiting-down c", "peer-reachable-again c"), run.actions, "nothing restarted");
    act(failover.nodeGone("n3", List.of("c"), Set.of()));
    assertEquals(2, run.actions.size(), "a node downed after its peer came back restarts nothing it no longer awaits");
  }

  @Test
  void aRestartedPeerIsTriedAgainUntilItsRestartsAreUsedUpThenGivenUp() {
    act(failover.lost("b", "node gone", true));
    assertTrue(failover.isRestarting("b"));
    act(failover.restartTimedOut("b", 1, "restart 1 did not register"));
    assertEquals(2, failover.restarts("b"));
    assertEquals(List.of(), failover.restartTimedOut("b", 1, "an earlier restart's deadline"));
    assertEquals(2, failover.restarts("b"), "a stale deadline is ignored");
    act(failover.restartTimedOut("b", 2, "restart 2 did not register"));
    assertTrue(failover.isDead("b"));
    assertTrue(run.actions.contains("peer-given-up b"), run.actions.toString());
    assertEquals("given up b", run.actions.get(run.actions.size() - 1));
    assertEquals("peer b lost: restart 2 did not register", console.get(console.size() - 1));
  }

  @Test
  void aPeerThatFailedByItselfIsGivenUpWithRestartsLeft() {
    act(failover.failed("w", "diverged at step 1"));
    assertEquals(List.of("peer-lost w", "lost w", "given up w"), run.actions);
    assertTrue(failover.isDead("w"));
    assertEquals(0, failover.restarts("w"));
  }

  @Test
  void aRestartedPeerThatRegistersRejoinsWhereTheOthersAreAndIsNoLongerDead() {
    failover.history(Map.of("a", 1), List.of());
    act(failover.lost("a", "node gone", true));
    assertEquals(2, failover.restarts("a"), "counted on from the run's history");
    assertEquals(Long.valueOf(120), failover.registered("a"), "where b, c, w and x are");
    assertTrue(run.actions.contains("cancel a"));
    assertTrue(failover.settled());
    assertNull(failover.registered("a"), "registered once");
  }

  @Test
  void aRestartNoNodeCanTakeIsPlacedWhenOneJoins() {
    run.nodeAvailable = false;
    act(failover.lost("a", "node gone", true));
    assertTrue(run.actions.contains("peer-waiting-for-node a"), run.actions.toString());
    run.actions.clear();
    act(failover.placeUnplaced());
    assertEquals(List.of("place a at 120 (no node)"), run.actions, "still waiting, told once");
    run.nodeAvailable = true;
    run.actions.clear();
    act(failover.placeUnplaced());
    act(failover.placeUnplaced());
    assertEquals(List.of("place a at 120"), run.actions, "placed once");
  }

  @Test
  void aPeerMissingAfterATakeOverIsRestartedOrWithItsRestartsUsedUpQuietlyDropped() {
    failover.history(Map.of("x", 2), List.of());
    assertEquals(List.of(), failover.missingAfterTakeOver("x"));
    assertTrue(failover.isDead("x"));
    act(failover.missingAfterTakeOver("b"));
    assertEquals("place b at 120", run.actions.get(run.actions.size() - 1));
  }
}
