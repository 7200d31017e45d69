package dev.cohort.actors.peer;

import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The nodes this one cannot reach now, as the cluster's failure detector sees them. Read from the
 * trainer's own thread, also in the middle of a step: the cluster's state is a snapshot that any
 * thread may read.
 */
@FunctionalInterface
interface Reachability {

  /** Without a cluster (a single-process actor system) every actor is reachable. */
  Reachability NONE = Set::of;

  Set<Address> unreachableNodes();

  static Reachability of(ActorSystem<?> system) {
    if (!system.settings().config().getString("pekko.actor.provider").equals("cluster")) {
      return NONE;
    }
    Cluster cluster = Cluster.get(system);
    return () -> {
      Set<Member> unreachable = cluster.state().getUnreachable();
      return unreachable.isEmpty()
          ? Set.of()
          : unreachable.stream().map(Member::address).collect(Collectors.toUnmodifiableSet());
    };
  }
}
