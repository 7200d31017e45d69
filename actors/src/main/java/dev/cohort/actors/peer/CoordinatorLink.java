package dev.cohort.actors.peer;

import dev.cohort.protocol.CoordinatorInbox;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A peer's way to its coordinator, which is a cluster singleton and moves when its node is lost:
 * the current address (first the one the peer was placed by, then whatever the Receptionist
 * lists), and the peer's epoch results, which a new coordinator hears again since it may have
 * missed them while it moved.
 */
final class CoordinatorLink {

  private final List<CoordinatorInbox> epochResults = new ArrayList<>();
  private ActorRef<CoordinatorInbox> coordinator;

  CoordinatorLink(ActorRef<CoordinatorInbox> first) {
    this.coordinator = first;
  }

  ActorRef<CoordinatorInbox> current() {
    return coordinator;
  }

  void tell(CoordinatorInbox message) {
    coordinator.tell(message);
  }

  /** Sends an epoch's result, and keeps it for a coordinator that takes over later. */
  void tellEpochResult(CoordinatorInbox message) {
    epochResults.add(message);
    coordinator.tell(message);
  }

  /**
   * The coordinators the Receptionist lists now; when that is a new one, it becomes current and
   * hears every epoch result again. True when the coordinator changed.
   */
  boolean listed(Set<ActorRef<CoordinatorInbox>> refs) {
    if (refs.isEmpty() || refs.contains(coordinator)) {
      return false;
    }
    coordinator = refs.iterator().next();
    epochResults.forEach(coordinator::tell);
    return true;
  }
}
