package dev.cohort.actors.peer;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.data.RunDataCache;
import dev.cohort.protocol.CoordinatorInbox;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a peer trainer is created with: the run's settings, its own spec, where to report first
 * (later coordinators are found through the Receptionist), and how it starts.
 */
public record PeerSetup(
    CohortSettings settings,
    PeerSpec spec,
    ActorRef<CoordinatorInbox> coordinator,
    RunDataCache data,
    String node,
    Start start) {

  /**
   * @param resume load the latest good checkpoint (a fresh model when there is none)
   * @param rejoinAtBatch the first batch id to train on after resuming, or -1 for the checkpoint's
   * @param restarts how often this peer has been restarted
   * @param device GPU ordinal, or -1 for the CPU
   * @param threads ND4J threads for this node's peers, or 0 to leave ND4J's setting alone
   */
  public record Start(boolean resume, long rejoinAtBatch, int restarts, int device, int threads) {
    public static final Start FRESH = new Start(false, -1, 0, -1, 0);
  }

  public PeerSetup(
      CohortSettings settings, PeerSpec spec, ActorRef<CoordinatorInbox> coordinator, RunDataCache data, String node) {
    this(settings, spec, coordinator, data, node, Start.FRESH);
  }
}
