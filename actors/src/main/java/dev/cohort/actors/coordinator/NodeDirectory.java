package dev.cohort.actors.coordinator;

import dev.cohort.actors.Reachability;
import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.PlacePeer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The coordinator's view of the nodes that can host peers: the hosts the Receptionist lists,
 * matched with the cluster members that are joined and reachable (whose roles advertise their
 * slots and GPUs), and where each peer was placed. Plain Java; the coordinator owns one.
 */
final class NodeDirectory implements Failover.Nodes {

  private final Cluster cluster;
  private final Address self;
  private final Placement placement = new Placement();
  private final Map<String, String> nodeOfPeer = new HashMap<>();
  private List<ActorRef<HostInbox>> hosts = List.of();
  private Set<ActorRef<HostInbox>> launchers = Set.of();

  NodeDirectory(Cluster cluster) {
    this.cluster = cluster;
    this.self = cluster.selfMember().address();
  }

  /** Replaces the listed hosts; returns the ones that are new. */
  List<ActorRef<HostInbox>> listed(Set<ActorRef<HostInbox>> listed) {
    List<ActorRef<HostInbox>> before = hosts;
    List<ActorRef<HostInbox>> sorted = new ArrayList<>(listed);
    // This node first, then the others by address: a deterministic placement.
    sorted.sort(Comparator.comparing((ActorRef<HostInbox> h) -> !nodeOf(h).equals(self))
        .thenComparing(h -> nodeOf(h).toString()));
    hosts = sorted;
    return sorted.stream().filter(h -> !before.contains(h)).toList();
  }

  List<ActorRef<HostInbox>> hosts() {
    return hosts;
  }

  /** The nodes waiting for the outcome of a run they launched (see {@code ServiceKeys.LAUNCHERS}). */
  void launchersListed(Set<ActorRef<HostInbox>> listed) {
    launchers = Set.copyOf(listed);
  }

  /** Every node to tell that the run is over: the hosts, and launchers that host no peers. */
  List<ActorRef<HostInbox>> toldOfTheOutcome() {
    List<ActorRef<HostInbox>> told = new ArrayList<>(hosts);
    launchers.stream().filter(l -> !told.contains(l)).forEach(told::add);
    return told;
  }

  Address nodeOf(ActorRef<?> ref) {
    Address address = ref.path().address();
    return address.hasLocalScope() ? self : address;
  }

  /** The hosts on members that have joined and are reachable, with their advertised slots and GPUs. */
  Map<Placement.Node, ActorRef<HostInbox>> available() {
    Map<Address, Member> members = new HashMap<>();
    Set<Member> unreachable = cluster.state().getUnreachable();
    for (Member member : cluster.state().getMembers()) {
      MemberStatus status = member.status();
      boolean joined = status == MemberStatus.up() || status == MemberStatus.weaklyUp() || status == MemberStatus.joining();
      if (joined && !unreachable.contains(member)) {
        members.put(member.address(), member);
      }
    }
    Map<Placement.Node, ActorRef<HostInbox>> available = new LinkedHashMap<>();
    for (ActorRef<HostInbox> host : hosts) {
      Member member = members.get(nodeOf(host));
      if (member != null) {
        available.put(Placement.fromRoles(member.address().toString(), member.getRoles()), host);
      }
    }
    return available;
  }

  /**
   * Sends {@code place} (completed with the device and threads chosen) to the node with the most
   * free slots; empty when no node is available.
   */
  Optional<Placement.Decision> place(PlacePeer.Builder place) {
    Map<Placement.Node, ActorRef<HostInbox>> available = available();
    Optional<Placement.Decision> decision = placement.place(List.copyOf(available.keySet()));
    decision.ifPresent(d -> send(place, d, available));
    return decision;
  }

  /** Tells the chosen node to host the peer, with the device and threads chosen, and notes where it is. */
  private void send(PlacePeer.Builder place, Placement.Decision d, Map<Placement.Node, ActorRef<HostInbox>> available) {
    available.get(d.node()).tell(
        HostInbox.newBuilder().setPlacePeer(place.setDevice(d.device()).setThreads(d.threads())).build());
    nodeOfPeer.put(place.getPeer(), d.node().address());
  }

  /**
   * Places every one of {@code places} at once ({@link Placement#placeAll}: each node's slots
   * divided among all the peers it gets), sending each its message; empty when no node is available.
   */
  List<Placement.Decision> placeAll(List<PlacePeer.Builder> places) {
    Map<Placement.Node, ActorRef<HostInbox>> available = available();
    List<Placement.Decision> decisions = placement.placeAll(places.size(), List.copyOf(available.keySet()));
    for (int i = 0; i < decisions.size(); i++) {
      send(places.get(i), decisions.get(i), available);
    }
    return decisions;
  }

  /**
   * Whether {@code ref} lives on a node that has left the cluster or been downed: a listing of it
   * is stale (the Receptionist drops it once the node is removed), however long that takes.
   */
  boolean hasLeft(ActorRef<?> ref) {
    Address node = nodeOf(ref);
    if (node.equals(self)) {
      return false;
    }
    for (Member member : cluster.state().getMembers()) {
      if (member.address().equals(node)) {
        MemberStatus status = member.status();
        return status == MemberStatus.down() || status == MemberStatus.exiting() || status == MemberStatus.removed();
      }
    }
    return true;
  }

  /** The node a peer was last placed on, or "" if none. */
  @Override
  public String nodeOfPeer(String peer) {
    return nodeOfPeer.getOrDefault(peer, "");
  }

  /** A node left the cluster: the slots its peers took are free (for the placement's count). */
  void removed(String address) {
    nodeOfPeer.values().stream().filter(address::equals).forEach(placement::release);
  }

  /** Whether this node is on the side of a partition that keep-majority downs. */
  @Override
  public boolean selfInMinority() {
    return Reachability.inMinority(cluster);
  }

  /** Whether the peer's node is a member that cannot be reached now but has not been downed. */
  @Override
  public boolean unreachableNotDown(String peer) {
    String node = nodeOfPeer(peer);
    for (Member member : cluster.state().getUnreachable()) {
      if (member.address().toString().equals(node)) {
        MemberStatus status = member.status();
        return status != MemberStatus.down() && status != MemberStatus.removed() && status != MemberStatus.exiting();
      }
    }
    return false;
  }
}
