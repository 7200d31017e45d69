package dev.cohort.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The nodes this one cannot reach now, as the cluster's failure detector sees them. Read from the
 * trainer's own thread, also in the middle of a step: the cluster's state is a snapshot that any
 * thread may read.
 */
public interface Reachability {

  /** Without a cluster (a single-process actor system) every actor is reachable. */
  Reachability NONE = Set::of;

  Set<Address> unreachableNodes();

  /**
   * Whether this node sees only a minority of the cluster (half, when the other half holds the
   * oldest-addressed member): the side keep-majority downs, whose peers are then restarted on the
   * majority. Such a node's peers must not train meanwhile, or two copies of a peer would.
   */
  default boolean inMinority() {
    return false;
  }

  /**
   * Whether this node is on the side keep-majority downs: it sees fewer than half of the members,
   * or exactly half without the oldest-addressed one; or it is itself down or leaving already.
   */
  static boolean inMinority(Cluster cluster) {
    MemberStatus self = cluster.selfMember().status();
    if (self == MemberStatus.down() || self == MemberStatus.exiting() || self == MemberStatus.removed()) {
      return true; // downed: whatever it still sees, its peers belong to the majority now
    }
    Set<Member> unreachable = cluster.state().getUnreachable();
    if (unreachable.isEmpty()) {
      return false;
    }
    List<Member> members = new ArrayList<>();
    cluster.state().getMembers().forEach(m -> {
      if (m.status() != MemberStatus.down() && m.status() != MemberStatus.exiting()
          && m.status() != MemberStatus.removed()) {
        members.add(m);
      }
    });
    long away = members.stream().filter(unreachable::contains).count();
    long here = members.size() - away;
    if (here != away) {
      return here < away;
    }
    Member oldestAddress = members.stream()
        .min((x, y) -> Member.addressOrdering().compare(x.address(), y.address())).orElseThrow();
    return unreachable.contains(oldestAddress);
  }

  static Reachability of(ActorSystem<?> system) {
    if (!system.settings().config().getString("pekko.actor.provider").equals("cluster")) {
      return NONE;
    }
    Cluster cluster = Cluster.get(system);
    return new Reachability() {
      @Override
      public Set<Address> unreachableNodes() {
        Set<Member> unreachable = cluster.state().getUnreachable();
        return unreachable.isEmpty()
            ? Set.of()
            : unreachable.stream().map(Member::address).collect(Collectors.toUnmodifiableSet());
      }

      @Override
      public boolean inMinority() {
        return Reachability.inMinority(cluster);
      }
    };
  }
}
