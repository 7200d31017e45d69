package dev.cohort.actors.coordinator;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The coordinator's decisions about lost peers: a peer whose node cannot be reached waits until
 * the node is downed (two copies of a peer must never train), a peer lost with its node is
 * restarted from its checkpoint until its restarts are used up, a peer that failed by itself is
 * given up. Plain Java: what it decides reaches the run through {@link Runtime}, so each decision
 * can be tested without an actor.
 */
final class Failover {

  /** What the coordinator does for the decisions taken here. */
  interface Runtime {
    /** Places a restarted peer from its checkpoint, at {@code rejoinAt}; false when no node can take it now. */
    boolean place(String peer, long rejoinAt);

    /** A restarted peer must register by a deadline: {@link #restartTimedOut} if it does not. */
    void startRestartTimer(String peer, int restart);

    void cancelRestartTimer(String peer);

    /** Where a restarted peer rejoins: the live peers' position, -1 for a peer that had finished. */
    long rejoinBatch(String peer);

    /** Whether this coordinator's own side is about to be downed: the majority's coordinator restarts the peers then. */
    boolean selfInMinority();

    /** Whether the peer's node is unreachable but not downed: the peer may still be training there. */
    boolean unreachableNotDown(String peer);

    /** The address of the node the peer was last placed on. */
    String nodeOf(String peer);

    /** The peer is lost (any export it was doing too): recorded before it is restarted or given up. */
    void lost(String peer, String reason);

    /** The run goes on without the peer. */
    void givenUp(String peer);

    void event(String name, Map<String, Object> fields);
  }

  private final Runtime runtime;
  private final Consumer<String> console;
  private final int maxRestarts;
  private final Set<String> dead = new TreeSet<>();
  /** Peers placed again after their node was lost, until they register: where they rejoin. */
  private final Map<String, Long> restarting = new HashMap<>();
  /** Peers whose node is unreachable but not yet downed, with the reason they are lost once it is. */
  private final Map<String, String> awaitingDown = new HashMap<>();
  /** Restarted peers that no node could take yet: placed as soon as one can. */
  private final Set<String> unplaced = new TreeSet<>();
  private final Map<String, Integer> restarts = new HashMap<>();

  Failover(Runtime runtime, Consumer<String> console, int maxRestarts) {
    this.runtime = runtime;
    this.console = console;
    this.maxRestarts = maxRestarts;
  }

  /** The run so far (a coordinator that took over, a resumed run): restarts used, peers given up. */
  void history(Map<String, Integer> restartsUsed, Collection<String> givenUp) {
    restarts.putAll(restartsUsed);
    dead.addAll(givenUp);
  }

  boolean isDead(String peer) {
    return dead.contains(peer);
  }

  Set<String> dead() {
    return Set.copyOf(dead);
  }

  boolean isRestarting(String peer) {
    return restarting.containsKey(peer);
  }

  /** Whether the peer is being dealt with here (given up, restarting, or waiting for its node's downing). */
  boolean isHandled(String peer) {
    return dead.contains(peer) || restarting.containsKey(peer) || awaitingDown.containsKey(peer);
  }

  /** No restart under way and no node awaited: the cohort is as complete as it will get. */
  boolean settled() {
    return restarting.isEmpty() && awaitingDown.isEmpty();
  }

  int restarts(String peer) {
    return restarts.getOrDefault(peer, 0);
  }

  /**
   * A peer is gone. Lost with its node ({@code restartable}) it is restarted from its checkpoint
   * elsewhere, unless it may still be training where it was; a peer that failed by itself is given
   * up: it would fail again.
   */
  void lost(String peer, String reason, boolean restartable) {
    if (isHandled(peer)) {
      return;
    }
    runtime.lost(peer, reason);
    if (restartable && (runtime.selfInMinority() || runtime.unreachableNotDown(peer))) {
      awaitingDown.put(peer, reason);
      runtime.event("peer-awaiting-down", Map.of("peer", peer, "node", runtime.nodeOf(peer)));
      return;
    }
    if (!restartable || !restart(peer, reason)) {
      giveUp(peer, reason);
    }
  }

  /** A peer reported its own failure; a restart of it under way is over. */
  void failed(String peer, String reason) {
    restarting.remove(peer);
    unplaced.remove(peer);
    lost(peer, reason, false);
  }

  /** The peer's node cannot be reached (the peer itself registered and not given up): it awaits the node's downing. */
  void unreachable(String peer, String address) {
    if (!isHandled(peer)) {
      awaitingDown.put(peer, "its node " + address + " became unreachable and was downed");
      runtime.event("peer-awaiting-down", Map.of("peer", peer, "node", address));
    }
  }

  /** The peer's node is reachable again before it was downed: the peer trains on where it is. */
  void reachableAgain(String peer) {
    if (awaitingDown.remove(peer) != null) {
      runtime.event("peer-reachable-again", Map.of("peer", peer));
    }
  }

  /**
   * The node of these peers is downed or gone: those that awaited it are lost and restarted (by
   * the majority's coordinator, when this one's side is about to be downed itself).
   */
  void nodeGone(List<String> hosted) {
    if (runtime.selfInMinority()) {
      return;
    }
    for (String peer : hosted) {
      String reason = awaitingDown.remove(peer);
      if (reason != null) {
        runtime.lost(peer, reason);
        if (!restart(peer, reason)) {
          giveUp(peer, reason);
        }
      }
    }
  }

  /** A restarted peer registered: where it rejoins, or null when it was not being restarted. */
  Long registered(String peer) {
    Long rejoinAt = restarting.remove(peer);
    if (rejoinAt != null) {
      runtime.cancelRestartTimer(peer);
      dead.remove(peer);
    }
    return rejoinAt;
  }

  /** A restarted peer did not register in time (its new node died too?): tried again or given up. */
  void restartTimedOut(String peer, int restart, String reason) {
    if (!restarting.containsKey(peer) || restarts(peer) != restart) {
      return; // registered meanwhile, or an earlier restart's deadline
    }
    restarting.remove(peer);
    unplaced.remove(peer);
    if (!restart(peer, reason)) {
      giveUp(peer, reason);
    }
  }

  /** A peer that did not register with a coordinator that took over: restarted, or given up. */
  void missingAfterTakeOver(String peer) {
    if (!restart(peer, "not registered with the coordinator that took over")) {
      dead.add(peer);
    }
  }

  /** Places the restarted peers that no node could take before (a node joined). */
  void placeUnplaced() {
    for (String peer : List.copyOf(unplaced)) {
      if (runtime.place(peer, restarting.getOrDefault(peer, -1L))) {
        unplaced.remove(peer);
      }
    }
  }

  /**
   * Restarts a lost peer from its latest checkpoint on a node that is up, at the batch the live
   * peers have reached, unless it has used up its restarts; false when it was given up.
   */
  private boolean restart(String peer, String reason) {
    int count = restarts(peer);
    if (count >= maxRestarts) {
      runtime.event("peer-given-up", Map.of("peer", peer, "restarts", count, "reason", reason));
      console.accept("peer " + peer + " lost: " + reason + "; not restarted (" + count + " restart(s) used of "
          + maxRestarts + ")");
      return false;
    }
    restarts.put(peer, count + 1);
    runtime.startRestartTimer(peer, count + 1);
    long rejoinAt = runtime.rejoinBatch(peer);
    restarting.put(peer, rejoinAt);
    runtime.event("peer-restarting", Map.of("peer", peer, "reason", reason, "restart", count + 1, "rejoin_at_batch", rejoinAt));
    console.accept("peer " + peer + " lost: " + reason + "; restarting it from its latest checkpoint (restart "
        + (count + 1) + " of at most " + maxRestarts + ")");
    if (!runtime.place(peer, rejoinAt)) {
      unplaced.add(peer);
      runtime.event("peer-waiting-for-node", Map.of("peer", peer));
      console.accept("  no node can take " + peer + " now; it is placed when one joins");
    }
    return true;
  }

  private void giveUp(String peer, String reason) {
    dead.add(peer);
    console.accept("peer " + peer + " lost: " + reason);
    runtime.givenUp(peer);
  }
}
