package dev.cohort.actors.coordinator;

import java.util.Optional;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;

/** The cluster membership events a run records in events.jsonl, by the name they get there. */
final class MembershipEvents {

  /** A membership change worth recording: its event name and the member it is about. */
  record Change(String name, Member member) {
    boolean gone() {
      return name.equals("member-removed") || name.equals("member-downed");
    }
  }

  private MembershipEvents() {}

  static Optional<Change> of(ClusterEvent.ClusterDomainEvent event) {
    if (event instanceof ClusterEvent.MemberUp e) {
      return Optional.of(new Change("member-up", e.member()));
    } else if (event instanceof ClusterEvent.MemberLeft e) {
      return Optional.of(new Change("member-left", e.member()));
    } else if (event instanceof ClusterEvent.MemberDowned e) {
      return Optional.of(new Change("member-downed", e.member()));
    } else if (event instanceof ClusterEvent.MemberRemoved e) {
      return Optional.of(new Change("member-removed", e.member()));
    } else if (event instanceof ClusterEvent.UnreachableMember e) {
      return Optional.of(new Change("member-unreachable", e.member()));
    } else if (event instanceof ClusterEvent.ReachableMember e) {
      return Optional.of(new Change("member-reachable", e.member()));
    }
    return Optional.empty();
  }
}
