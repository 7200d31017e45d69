package dev.cohort.actors.dashboard;

import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * What the dashboard asks of the run it shows. The coordinator adapts these to its own protocol,
 * so the dashboard knows nothing of the coordinator: it reads the run through {@link RunFeed} and
 * acts on it only through these. Local only, never on the wire.
 */
public sealed interface RunControl extends NoSerializationVerificationNeeded {

  /** Stop the run (every peer stops; the run ends as stopped, resumable). */
  record Stop(String by) implements RunControl {}

  /** Record an event of the dashboard's (an extraction's outcome) in the run's events.jsonl. */
  record RecordEvent(String name, Map<String, Object> fields) implements RunControl {}
}
