package dev.cohort.actors.coordinator;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a change of a node that holds peers means to the run. An unreachable node's peers may be
 * dead or training on behind a partition, so none is restarted before the split-brain resolver
 * downs the node (students stop waiting for them by themselves meanwhile); a node back before
 * that keeps its peers where they are, and they hear of the others again (what was sent meanwhile
 * may be lost); a node downed or removed has its peers restarted elsewhere ({@link Failover}).
 */
final class NodeChanges {

  private final RunRecords records;
  private final NodeDirectory nodes;
  private final Failover failover;
  private final Roster roster;
  private final PeerResults results;
  private final RunLifecycle lifecycle;

  NodeChanges(RunRecords records, NodeDirectory nodes, Failover failover, Roster roster, PeerResults results,
      RunLifecycle lifecycle) {
    this.records = records;
    this.nodes = nodes;
    this.failover = failover;
    this.roster = roster;
    this.results = results;
    this.lifecycle = lifecycle;
  }

  /**
   * Records the change, prints it (for a node with peers) and acts on it.
   *
   * @return what the failover decided about the node's peers, for the coordinator to carry out
   */
  List<Failover.Decision> changed(MembershipEvents.Change change) {
    String address = change.member().address().toString();
    records.event(change.name(), Map.of("node", address, "roles", new TreeSet<>(change.member().getRoles())));
    if (!lifecycle.done()) {
      records.nodeChange(change.name(), address, hostedOn(address));
    }
    if (change.name().equals("member-removed")) {
      nodes.removed(address);
    }
    switch (change.name()) {
      case "member-unreachable" -> unreachable(address);
      case "member-reachable" -> reachable(address);
      default -> { }
    }
    if (!change.gone()) {
      return List.of();
    }
    List<String> hosted = hostedOn(address);
    return failover.nodeGone(address, hosted, notStarted(hosted));
  }

  /**
   * Of {@code hosted}, the peers that have not started training on their node: not registered
   * since their placement (a first placement, or a restart), or every one of them while the run
   * waits for its peers.
   */
  private Set<String> notStarted(List<String> hosted) {
    boolean waiting = lifecycle.phase() == RunLifecycle.Phase.WAITING_FOR_PEERS;
    return hosted.stream().filter(p -> waiting || !roster.has(p) || failover.isRestarting(p))
        .collect(Collectors.toSet());
  }

  private void unreachable(String address) {
    if (lifecycle.running()) {
      hostedOn(address).stream().filter(roster::has).forEach(peer -> failover.unreachable(peer, address));
    }
  }

  /**
   * Back before it was downed: its peers train on where they are. What they and the others sent
   * meanwhile may be lost (a teacher's finished notice among it, without which a student would
   * wait max-wait at every step), so they hear of each other again; a finished peer answers with
   * its finished notice.
   */
  private void reachable(String address) {
    List<String> hosted = hostedOn(address);
    hosted.forEach(failover::reachableAgain);
    if (lifecycle.phase() == RunLifecycle.Phase.TRAINING) {
      hosted.stream().filter(peer -> roster.has(peer) && !failover.isDead(peer) && !failover.isRestarting(peer))
          .forEach(peer -> roster.announce(peer, results.nextBatch(peer)));
    }
    lifecycle.maybeExport();
  }

  List<String> hostedOn(String address) {
    return roster.names().stream().filter(p -> address.equals(nodes.nodeOfPeer(p))).toList();
  }
}
