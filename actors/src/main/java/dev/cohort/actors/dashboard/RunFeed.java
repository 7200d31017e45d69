package dev.cohort.actors.dashboard;

/**
 * Told every line the coordinator writes to the run directory, right after it is written: the
 * dashboard's view of the run is built from exactly what {@code events.jsonl} and
 * {@code metrics.jsonl} hold. Called on the coordinator's thread, so it must return at once.
 */
@FunctionalInterface
public interface RunFeed {

  /** Which file the line went to. */
  enum Kind {
    EVENT,
    METRICS
  }

  RunFeed NONE = (kind, json) -> { };

  void line(Kind kind, String json);
}
