package dev.cohort.actors.coordinator;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The coordinator's decisions about lost peers: a peer whose node cannot be reached waits until
 * the node is downed (two copies of a peer must never train), a peer lost with its node is
 * restarted from its checkpoint until its restarts are used up, a peer that failed by itself is
 * given up. Plain Java: it records its events and arms the restart timers itself, and returns
 * what the run must do ({@link Decision}) for the {@link Coordinator} to carry out, so each
 * decision can be tested without an actor.
 */
final class Failover {

  /** What the failover asks of the cluster about a peer's node. */
  interface Nodes {
    /** Whether this coordinator's own side is about to be downed: the majority's coordinator restarts the peers then. */
    boolean selfInMinority();

    /** Whether the peer's node is unreachable but not downed: the peer may still be training there. */
    boolean unreachableNotDown(String peer);

    /** The address of the node the peer was last placed on. */
    String nodeOfPeer(String peer);
  }

  /** What the run must do about a peer, in the order decided. */
  sealed interface Decision {}

  /** The peer is lost (any export it was doing too); recorded before it is restarted or given up. */
  record Lost(String peer) implements Decision {}

  /**
   * Place the peer again from its latest checkpoint, at batch {@code rejoinAt} (-1: a peer that
   * had finished); tell {@link #placed} or {@link #noNodeFor} how it went.
   */
  record Restart(String peer, long rejoinAt) implements Decision {}

  /** The run goes on without the peer. */
  record GiveUp(String peer) implements Decision {}

  private final Nodes nodes;
  private final PeerResults results;
  private final RunTimers timers;
  private final BiConsumer<String, Map<String, Object>> events;
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

  /**
   * @param events records an event of the run (events.jsonl)
   * @param console the run's progress lines
   */
  Failover(Nodes nodes, PeerResults results, RunTimers timers, BiConsumer<String, Map<String, Object>> events,
      Consumer<String> console, int maxRestarts) {
    this.nodes = nodes;
    this.results = results;
    this.timers = timers;
    this.events = events;
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
  List<Decision> lost(String peer, String reason, boolean restartable) {
    if (isHandled(peer)) {
      return List.of();
    }
    List<Decision> decisions = new ArrayList<>(List.of(lostNow(peer, reason)));
    if (restartable && (nodes.selfInMinority() || nodes.unreachableNotDown(peer))) {
      awaitingDown.put(peer, reason);
      events.accept("peer-awaiting-down", Map.of("peer", peer, "node", nodes.nodeOfPeer(peer)));
      return decisions;
    }
    decisions.add(restartable ? restartOrGiveUp(peer, reason) : giveUp(peer, reason));
    return decisions;
  }

  /** A peer reported its own failure; a restart of it under way is over. */
  List<Decision> failed(String peer, String reason) {
    restarting.remove(peer);
    unplaced.remove(peer);
    return lost(peer, reason, false);
  }

  /** The peer's node cannot be reached (the peer itself registered and not given up): it awaits the node's downing. */
  void unreachable(String peer, String address) {
    if (!isHandled(peer)) {
      awaitingDown.put(peer, "its node " + address + " became unreachable and was downed");
      events.accept("peer-awaiting-down", Map.of("peer", peer, "node", address));
    }
  }

  /** The peer's node is reachable again before it was downed: the peer trains on where it is. */
  void reachableAgain(String peer) {
    if (awaitingDown.remove(peer) != null) {
      events.accept("peer-reachable-again", Map.of("peer", peer));
    }
  }

  /**
   * The node at {@code address} is downed or gone: of the peers placed on it ({@code hosted}), those
   * that awaited it are lost and restarted, and so are those that had not started training there
   * ({@code notStarted}: placed and not registered yet, or registered before training began) —
   * they never will, and without this the run would wait for them until its startup timeout. The
   * majority's coordinator does this when this one's side is about to be downed itself.
   */
  List<Decision> nodeGone(String address, List<String> hosted, Set<String> notStarted) {
    if (nodes.selfInMinority()) {
      return List.of();
    }
    List<Decision> decisions = new ArrayList<>();
    for (String peer : hosted) {
      String reason = awaitingDown.remove(peer);
      if (reason == null && notStarted.contains(peer) && !dead.contains(peer)) {
        reason = "its node " + address + " left the cluster before the peer started training there";
        restarting.remove(peer);
        unplaced.remove(peer);
      }
      if (reason != null) {
        decisions.add(lostNow(peer, reason));
        decisions.add(restartOrGiveUp(peer, reason));
      }
    }
    return decisions;
  }

  /** A restarted peer registered: where it rejoins, or null when it was not being restarted. */
  Long registered(String peer) {
    Long rejoinAt = restarting.remove(peer);
    if (rejoinAt != null) {
      timers.cancelRestart(peer);
      dead.remove(peer);
    }
    return rejoinAt;
  }

  /** A restarted peer did not register in time (its new node died too?): tried again or given up. */
  List<Decision> restartTimedOut(String peer, int restart, String reason) {
    if (!restarting.containsKey(peer) || restarts(peer) != restart) {
      return List.of(); // registered meanwhile, or an earlier restart's deadline
    }
    restarting.remove(peer);
    unplaced.remove(peer);
    return List.of(restartOrGiveUp(peer, reason));
  }

  /** A peer that did not register with a coordinator that took over: restarted, or given up. */
  List<Decision> missingAfterTakeOver(String peer) {
    Restart restart = restart(peer, "not registered with the coordinator that took over");
    if (restart == null) {
      dead.add(peer); // nothing waited for it: the run goes on as it was
      return List.of();
    }
    return List.of(restart);
  }

  /** The restarted peers that no node could take before, to be placed now (a node joined). */
  List<Decision> placeUnplaced() {
    return unplaced.stream().<Decision>map(peer -> new Restart(peer, restarting.getOrDefault(peer, -1L))).toList();
  }

  /** A restarted peer was placed on a node. */
  void placed(String peer) {
    unplaced.remove(peer);
  }

  /** No node could take a restarted peer: it is placed as soon as one can ({@link #placeUnplaced}). */
  void noNodeFor(String peer) {
    if (restarting.containsKey(peer) && unplaced.add(peer)) {
      events.accept("peer-waiting-for-node", Map.of("peer", peer));
      console.accept("  no node can take " + peer + " now; it is placed when one joins");
    }
  }

  /** Records the loss of a peer (its node, its reason), for the run to drop what it did. */
  private Decision lostNow(String peer, String reason) {
    events.accept("peer-lost", Map.of("peer", peer, "reason", reason, "node", nodes.nodeOfPeer(peer)));
    return new Lost(peer);
  }

  /** A lost peer restarted, or given up once its restarts are used up. */
  private Decision restartOrGiveUp(String peer, String reason) {
    Restart restart = restart(peer, reason);
    return restart != null ? restart : giveUp(peer, reason);
  }

  /**
   * Restarts a lost peer from its latest checkpoint on a node that is up, at the batch the live
   * peers have reached; null when it has used up its restarts.
   */
  private Restart restart(String peer, String reason) {
    int count = restarts(peer);
    if (count >= maxRestarts) {
      events.accept("peer-given-up", Map.of("peer", peer, "restarts", count, "reason", reason));
      console.accept("peer " + peer + " lost: " + reason + "; not restarted (" + count + " restart(s) used of "
          + maxRestarts + ")");
      return null;
    }
    restarts.put(peer, count + 1);
    timers.startRestart(peer, count + 1);
    long rejoinAt = results.isFinished(peer) ? -1
        : results.position(p -> !p.equals(peer) && !isDead(p) && !isRestarting(p));
    restarting.put(peer, rejoinAt);
    events.accept("peer-restarting", Map.of("peer", peer, "reason", reason, "restart", count + 1,
        "rejoin_at_batch", rejoinAt));
    console.accept("peer " + peer + " lost: " + reason + "; restarting it from its latest checkpoint (restart "
        + (count + 1) + " of at most " + maxRestarts + ")");
    return new Restart(peer, rejoinAt);
  }

  private Decision giveUp(String peer, String reason) {
    dead.add(peer);
    console.accept("peer " + peer + " lost: " + reason);
    return new GiveUp(peer);
  }
}
