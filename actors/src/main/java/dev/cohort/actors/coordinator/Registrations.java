package dev.cohort.actors.coordinator;

import dev.cohort.actors.ServiceKeys;
import dev.cohort.protocol.PeerInbox;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The peers the Receptionist lists for the run, every registered one, on unreachable nodes too (a
 * peer leaves the listing when it stops or its node is removed; one listed on a node that is downed
 * or leaving counts as gone already). Before training: training starts
 * once every live peer is there. During it: a peer that registers again was restarted (or is found
 * by a coordinator that took over) and is started and announced; a peer that leaves the listing is
 * lost, unless a takeover's grace period is still running.
 */
final class Registrations {

  private final Roster roster;
  private final RunLifecycle lifecycle;
  private final Failover failover;
  private final RunRecords records;
  private final NodeDirectory nodes;
  private final RunTimers timers;

  Registrations(Roster roster, RunLifecycle lifecycle, Failover failover, RunRecords records, NodeDirectory nodes,
      RunTimers timers) {
    this.roster = roster;
    this.lifecycle = lifecycle;
    this.failover = failover;
    this.records = records;
    this.nodes = nodes;
    this.timers = timers;
  }

  /** @return what the failover decided about peers that left the listing, for the coordinator to carry out */
  List<Failover.Decision> listed(Set<ActorRef<PeerInbox>> instances) {
    Map<String, ActorRef<PeerInbox>> listed = new HashMap<>();
    for (ActorRef<PeerInbox> ref : instances) {
      String name = ServiceKeys.peerName(ref.path().parent().name());
      // A peer still listed on a node that is gone is not there: its restarted copy may be listed too.
      if (name != null && roster.names().contains(name) && !nodes.hasLeft(ref)) {
        listed.put(name, ref);
      }
    }
    List<Failover.Decision> decisions = new ArrayList<>();
    if (lifecycle.phase() == RunLifecycle.Phase.WAITING_FOR_PEERS) {
      listed.forEach((name, ref) -> {
        if (roster.register(name, ref)) {
          backFromRestart(name, ref);
        }
      });
      lifecycle.startWhenAllRegistered();
    } else if (lifecycle.running()) {
      listed.forEach((name, ref) -> {
        if (roster.register(name, ref)) {
          registeredAgain(name, ref);
        }
      });
      for (String name : roster.names()) {
        if (!listed.containsKey(name) && roster.has(name) && !failover.isHandled(name) && !timers.recovering()) {
          decisions.addAll(failover.lost(name, "it stopped or its node left the cluster", true));
        }
      }
    }
    return decisions;
  }

  /**
   * A peer registered at {@code ref}: if it was being restarted, its restart is over (recorded);
   * returns where it rejoins, or null when it was not restarting.
   */
  private Long backFromRestart(String name, ActorRef<PeerInbox> ref) {
    Long rejoinAt = failover.registered(name);
    if (rejoinAt != null) {
      records.event("peer-restarted", Map.of("peer", name, "node", nodes.nodeOf(ref).toString(),
          "rejoin_at_batch", rejoinAt, "restarts", failover.restarts(name)));
      records.print("peer " + name + " is back on " + nodes.nodeOf(ref) + (rejoinAt >= 0 ? " at batch " + rejoinAt : ""));
    }
    return rejoinAt;
  }

  /** A peer registered during the run: one that was restarted, or one found again after a takeover. */
  private void registeredAgain(String name, ActorRef<PeerInbox> ref) {
    Long rejoinAt = backFromRestart(name, ref);
    if (rejoinAt == null) {
      return; // already training: found again by a coordinator that took over
    }
    if (!roster.wasStarted(name) && !roster.mayStart(name)) {
      return; // a KD student whose teacher is not frozen yet: it starts with the others
    }
    roster.start(name);
    roster.announce(name, Math.max(0, rejoinAt));
  }
}
