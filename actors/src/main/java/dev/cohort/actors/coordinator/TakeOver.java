package dev.cohort.actors.coordinator;

import dev.cohort.actors.config.CohortSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Continuing a run from its directory: a coordinator that takes over (its predecessor's node was
 * lost) or resumes a stopped run reads the epoch results, restarts and peers given up so far. One
 * that takes over then gives the peers {@code recovery-grace} to register again: those that do
 * train on where they are (and whoever had dropped one while its restart was under way takes it
 * back); those that do not are restarted.
 */
final class TakeOver {

  private final CohortSettings settings;
  private final RunRecords records;
  private final PeerResults results;
  private final Failover failover;
  private final Roster roster;
  private final RunLifecycle lifecycle;
  private final RunTimers timers;

  TakeOver(CohortSettings settings, RunRecords records, PeerResults results, Failover failover, Roster roster,
      RunLifecycle lifecycle, RunTimers timers) {
    this.settings = settings;
    this.records = records;
    this.results = results;
    this.failover = failover;
    this.roster = roster;
    this.lifecycle = lifecycle;
    this.timers = timers;
  }

  /** Takes over a run whose coordinator was lost: its state from the run directory, its peers as they register. */
  void begin(String node) {
    records.event("coordinator-took-over", Map.of("node", node));
    records.print("coordinator of run " + settings.runId() + " taking over on " + node
        + "; waiting " + settings.cluster().recoveryGrace().toSeconds() + " s for its peers to register");
    lifecycle.tookOver();
    if (readHistory()) {
      timers.startRecovery();
    }
  }

  /** The run so far, from its directory. False when the run cannot go on (and has been ended). */
  boolean readHistory() {
    RunHistory history;
    try {
      history = RunHistory.read(settings.runPath());
    } catch (IOException e) {
      lifecycle.finish(false, "cannot read the run directory " + settings.runPath() + ": " + e.getMessage());
      return false;
    }
    if (history.finished()) {
      lifecycle.finish(false, "run " + settings.runId() + " has already finished (see "
          + settings.runPath().resolve("events.jsonl") + ")");
      return false;
    }
    results.restore(history.lastEpochEnd().values());
    failover.history(history.restarts(), history.givenUp());
    roster.teacherFrozen(history.teacherFrozen());
    return true;
  }

  /**
   * After the grace period: peers that did not register are restarted; the run goes on.
   *
   * @return the restarts decided, for the coordinator to carry out
   */
  List<Failover.Decision> graceOver() {
    List<Failover.Decision> decisions = new ArrayList<>();
    if (lifecycle.phase() != RunLifecycle.Phase.TRAINING) {
      return decisions;
    }
    for (String name : roster.names()) {
      if (failover.isDead(name)) {
        continue;
      }
      if (roster.has(name)) {
        if (roster.mayStart(name)) {
          roster.start(name); // already training: ignored; not started yet (a resumed run): starts now
        }
        // Whoever had dropped it (its restart was under way when the old coordinator was lost) takes it back.
        roster.announce(name, 0);
      } else {
        decisions.addAll(failover.missingAfterTakeOver(name));
      }
    }
    lifecycle.maybeExport();
    return decisions;
  }
}
