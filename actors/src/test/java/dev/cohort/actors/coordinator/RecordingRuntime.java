package dev.cohort.actors.coordinator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the failover decisions asked of the run, one line per request, in order. */
final class RecordingRuntime implements Failover.Runtime {

  final List<String> actions = new ArrayList<>();
  final Set<String> stillRunning = new HashSet<>();
  boolean inMinority;
  boolean nodeAvailable = true;

  @Override
  public boolean place(String peer, long rejoinAt) {
    actions.add("place " + peer + " at " + rejoinAt + (nodeAvailable ? "" : " (no node)"));
    return nodeAvailable;
  }

  @Override
  public void startRestartTimer(String peer, int restart) {
    actions.add("timer " + peer + " " + restart);
  }

  @Override
  public void cancelRestartTimer(String peer) {
    actions.add("cancel " + peer);
  }

  @Override
  public long rejoinBatch(String peer) {
    return 120;
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
  public String nodeOf(String peer) {
    return "n3";
  }

  @Override
  public void lost(String peer, String reason) {
    actions.add("lost " + peer + ": " + reason);
  }

  @Override
  public void givenUp(String peer) {
    actions.add("given up " + peer);
  }

  @Override
  public void event(String name, Map<String, Object> fields) {
    actions.add(name + " " + fields.get("peer"));
  }
}
