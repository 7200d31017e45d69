package dev.cohort.actors.peer;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.node.RunDataCache;
import dev.cohort.protocol.CoordinatorInbox;
import org.apache.pekko.actor.typed.ActorRef;

/** What a peer trainer is created with: the run's settings, its own spec, and where to report. */
public record PeerSetup(
    CohortSettings settings,
    PeerSpec spec,
    ActorRef<CoordinatorInbox> coordinator,
    RunDataCache data,
    String node) {}
