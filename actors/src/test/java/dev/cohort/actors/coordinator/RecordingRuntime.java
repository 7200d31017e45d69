package dev.cohort.actors.coordinator;

import dev.cohort.protocol.PeerReport;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The run around a {@link Failover}, as a test plays it: the cluster it asks about, the timers
 * and events it records (one line each, in order), and the decisions it returns, carried out as
 * the coordinator would ("lost", "place", "given up") and recorded too.
 */
final class RecordingRuntime implements Failover.Nodes, RunTimers {

  final List<String> actions = new ArrayList<>();
  final Set<String> stillRunning = new HashSet<>();
  boolean inMinority;
  boolean nodeAvailable = true;

  /** A failover over this run, where the peers a, b, c, w and x have trained through batch 119. */
  Failover failover(List<String> console, int maxRestarts) {
    PeerResults results = new PeerResults(List.of("a", "b", "c", "w", "x"));
    for (String peer : List.of("a", "b", "c", "w", "x")) {
      results.add(PeerReport.newBuilder().setPeer(peer).setTrainedThrough(119).build());
    }
    return new Failover(this, results, this, (name, fields) -> actions.add(name + " " + fields.get("peer")),
        console::add, maxRestarts);
  }

  /** Carries out what {@code failover} decided, as the coordinator does. */
  void carryOut(Failover failover, List<Failover.Decision> decisions) {
    for (Failover.Decision decision : decisions) {
      if (decision instanceof Failover.Lost lost) {
        actions.add("lost " + lost.peer());
      } else if (decision instanceof Failover.Restart restart) {
        actions.add("place " + restart.peer() + " at " + restart.rejoinAt() + (nodeAvailable ? "" : " (no node)"));
        if (nodeAvailable) {
          failover.placed(restart.peer());
        } else {
          failover.noNodeFor(restart.peer());
        }
      } else if (decision instanceof Failover.GiveUp givenUp) {
        actions.add("given up " + givenUp.peer());
      }
    }
  }

  @Override
  public boolean selfInMinority() {
    return inMinority;
  }

  @Override
  public boolean unreachableNotDown(String peer) {
    return stillRunning.contains(peer);
  }

  @Override
  public String nodeOfPeer(String peer) {
    return "n3";
  }

  @Override
  public void startRestart(String peer, int restart) {
    actions.add("timer " + peer + " " + restart);
  }

  @Override
  public void cancelRestart(String peer) {
    actions.add("cancel " + peer);
  }

  @Override
  public void cancelStartup() {}

  @Override
  public void startExport() {}

  @Override
  public void cancelExport() {}

  @Override
  public void startRecovery() {}

  @Override
  public boolean recovering() {
    return false;
  }
}
