package dev.cohort.actors.peer;

import dev.cohort.actors.Reachability;
import dev.cohort.protocol.PeerInbox;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * Which of a peer's linked peers sit on a node it cannot reach: those are neither waited for nor
 * waited on until their node is reachable again (the split-brain resolver decides whether it is
 * gone for good). Without this a student would wait max-wait at every step for a teacher whose
 * node has failed, until the node is downed. Says so once per change.
 */
final class LinkReachability {

  private final String self;
  private final Reachability reachability;
  private final Logger log;
  private Set<String> unreachable = Set.of();
  private boolean inMinority;

  LinkReachability(String self, Reachability reachability, Logger log) {
    this.self = self;
    this.reachability = reachability;
    this.log = log;
  }

  /** Looks again at which linked peers are unreachable and tells {@code exchange}; true on a change. */
  boolean refresh(Map<String, ActorRef<PeerInbox>> linked, Exchange exchange) {
    Set<Address> nodes = reachability.unreachableNodes();
    if (nodes.isEmpty() && unreachable.isEmpty()) {
      return false; // the common case, once per step: nothing to map
    }
    Set<String> now = new TreeSet<>();
    linked.forEach((peer, ref) -> {
      if (nodes.contains(ref.path().address())) {
        now.add(peer);
      }
    });
    if (now.equals(unreachable)) {
      return false;
    }
    Set<String> lost = new TreeSet<>(now);
    lost.removeAll(unreachable);
    Set<String> back = new TreeSet<>(unreachable);
    back.removeAll(now);
    if (!lost.isEmpty()) {
      log.warn("peer {}: the node of {} is unreachable; not waiting for it while it is", self, lost);
    }
    if (!back.isEmpty()) {
      log.info("peer {}: the node of {} is reachable again; linked as before", self, back);
    }
    unreachable = Set.copyOf(now);
    exchange.unreachable(unreachable);
    return true;
  }

  /**
   * Whether this peer's node sees only a minority of the cluster: it must not train then (it is
   * about to be downed and restarted on the majority). Says so once per change.
   */
  boolean inMinority() {
    boolean now = reachability.inMinority();
    if (now != inMinority) {
      if (now) {
        log.warn("peer {} pauses: its node reaches only a minority of the cluster, which the split-brain resolver"
            + " downs (the peer is then restarted on the majority); it trains on if the others come back first", self);
      } else {
        log.warn("peer {}: its node reaches a majority of the cluster again; training on", self);
      }
      inMinority = now;
    }
    return now;
  }
}
