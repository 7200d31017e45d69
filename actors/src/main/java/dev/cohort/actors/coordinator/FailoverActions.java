package dev.cohort.actors.coordinator;

import java.util.Map;

/**
 * What the {@link Failover} decisions do to the run: place a peer again, arm its restart's
 * timer, record that it was lost or given up, and let the run go on without it. Built before the
 * failover it serves and bound to the parts that need the failover themselves.
 */
final class FailoverActions implements Failover.Runtime {

  private final RunRecords records;
  private final NodeDirectory nodes;
  private final PeerResults results;
  private final RunTimers timers;
  private Failover failover;
  private PeerPlacement placement;
  private Roster roster;
  private RunLifecycle lifecycle;

  FailoverActions(RunRecords records, NodeDirectory nodes, PeerResults results, RunTimers timers) {
    this.records = records;
    this.nodes = nodes;
    this.results = results;
    this.timers = timers;
  }

  void bind(Failover failover, PeerPlacement placement, Roster roster, RunLifecycle lifecycle) {
    this.failover = failover;
    this.placement = placement;
    this.roster = roster;
    this.lifecycle = lifecycle;
  }

  @Override
  public boolean place(String peer, long rejoinAt) {
    return placement.place(peer, true, rejoinAt);
  }

  @Override
  public void startRestartTimer(String peer, int restart) {
    timers.startRestart(peer, restart);
  }

  @Override
  public void cancelRestartTimer(String peer) {
    timers.cancelRestart(peer);
  }

  /** The position of the live peers that are not themselves restarting; -1 for a peer that had finished. */
  @Override
  public long rejoinBatch(String peer) {
    return results.isFinished(peer) ? -1
        : results.position(p -> !p.equals(peer) && !failover.isDead(p) && !failover.isRestarting(p));
  }

  @Override
  public boolean selfInMinority() {
    return nodes.selfInMinority();
  }

  @Override
  public boolean unreachableNotDown(String peer) {
    return nodes.unreachableNotDown(peer);
  }

  @Override
  public String nodeOf(String peer) {
    return nodes.nodeOfPeer(peer);
  }

  @Override
  public void lost(String peer, String reason) {
    records.event("peer-lost", Map.of("peer", peer, "reason", reason, "node", nodes.nodeOfPeer(peer)));
    lifecycle.lost(peer);
  }

  /** The epochs and cohort metrics that waited only for it are complete now. */
  @Override
  public void givenUp(String peer) {
    records.withoutGivenUp(roster.live());
    lifecycle.maybeExport();
  }

  @Override
  public void event(String name, Map<String, Object> fields) {
    records.event(name, fields);
  }
}
