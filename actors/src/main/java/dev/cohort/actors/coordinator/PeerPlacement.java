package dev.cohort.actors.coordinator;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.protocol.AdoptRun;
import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.PlacePeer;
import dev.cohort.protocol.RunMode;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Sends peers to nodes: each to the node with the most free slots ({@link Placement}), with the
 * run's cohort file, so that any node can host any peer. The first placement waits until the
 * expected nodes are members and offer themselves as hosts. Every node also adopts the run, so
 * that it can take over its coordination and host its restarted peers should the coordinator's
 * node be lost; a node that joins mid-run takes the restarts no node could take before.
 */
final class PeerPlacement {

  private final CohortSettings settings;
  private final NodeDirectory nodes;
  private final Failover failover;
  private final RunRecords records;
  private final RunLifecycle lifecycle;
  private final String coordinator;
  private final boolean resume;

  /**
   * @param coordinator the coordinator's inbox, serialized: where a placed peer reports
   * @param resume a resumed run: every peer continues from its latest checkpoint
   */
  PeerPlacement(CohortSettings settings, NodeDirectory nodes, Failover failover, RunRecords records,
      RunLifecycle lifecycle, String coordinator, boolean resume) {
    this.settings = settings;
    this.nodes = nodes;
    this.failover = failover;
    this.records = records;
    this.lifecycle = lifecycle;
    this.coordinator = coordinator;
    this.resume = resume;
  }

  /**
   * The nodes that offer to host peers, as the Receptionist lists them now.
   *
   * @return the restarts that waited for a node, for the coordinator to carry out
   */
  List<Failover.Decision> hostsListed(Set<ActorRef<HostInbox>> listed) {
    List<ActorRef<HostInbox>> added = nodes.listed(listed);
    if (lifecycle.phase() == RunLifecycle.Phase.WAITING_FOR_NODES) {
      placeWhenNodesAreUp();
    } else if (!lifecycle.done()) {
      adopt(added);
      return failover.placeUnplaced();
    }
    return List.of();
  }

  /**
   * A membership change: a member up may be a node the first placement waits for, or one that can
   * take a restart.
   *
   * @return the restarts that waited for a node, for the coordinator to carry out
   */
  List<Failover.Decision> membershipChanged(boolean memberUp) {
    if (lifecycle.phase() == RunLifecycle.Phase.WAITING_FOR_NODES) {
      placeWhenNodesAreUp();
    } else if (memberUp) {
      return failover.placeUnplaced();
    }
    return List.of();
  }

  /** The first placement (or a resumed run's): every peer not given up, once the expected nodes are up. */
  private void placeWhenNodesAreUp() {
    if (nodes.available().size() < settings.cluster().nodes()) {
      return;
    }
    adopt(nodes.hosts());
    List<PeerSpec> live = settings.peers().stream().filter(spec -> !failover.isDead(spec.name())).toList();
    List<Placement.Decision> decisions = nodes.placeAll(live.stream().map(spec -> message(spec.name(), resume, -1)).toList());
    if (decisions.isEmpty() && !live.isEmpty()) {
      lifecycle.finish(false, "no node is up to place peer " + live.get(0).name() + " on");
      return;
    }
    for (int i = 0; i < decisions.size(); i++) {
      records.placed(live.get(i), decisions.get(i), resume);
    }
    lifecycle.waitingForPeers();
  }

  private void adopt(Collection<ActorRef<HostInbox>> hosts) {
    HostInbox adopt = HostInbox.newBuilder()
        .setAdoptRun(AdoptRun.newBuilder().setRunId(settings.runId()).setCohortConfig(settings.render())
            .setMode(RunMode.RUN_MODE_TAKE_OVER))
        .build();
    hosts.forEach(h -> h.tell(adopt));
  }

  /**
   * Sends a peer to the node with the most free slots; with {@code resume}, it continues from its
   * latest checkpoint at batch {@code rejoinAt} (-1: its checkpoint's position). False when no node
   * is available.
   */
  boolean place(String peer, boolean resume, long rejoinAt) {
    Optional<Placement.Decision> decision = nodes.place(message(peer, resume, rejoinAt));
    decision.ifPresent(d -> records.placed(settings.peers().get(index(peer)), d, resume));
    return decision.isPresent();
  }

  /** What a node is told to host {@code peer}, without the device and threads its placement chooses. */
  private PlacePeer.Builder message(String peer, boolean resume, long rejoinAt) {
    return PlacePeer.newBuilder()
        .setRunId(settings.runId())
        .setPeer(peer)
        .setPeerIndex(index(peer))
        .setCohortConfig(settings.render())
        .setCoordinator(coordinator)
        .setResume(resume)
        .setRejoinAtBatch(rejoinAt)
        .setRestarts(failover.restarts(peer));
  }

  private int index(String peer) {
    return settings.peers().stream().map(PeerSpec::name).toList().indexOf(peer);
  }
}
