package dev.cohort.actors.peer;

import java.util.Collection;

/** What a peer's step sends to the peers it is linked with; {@link Links} sends it on the wire. */
interface Outbox {

  /**
   * softmax(z / T) of batch {@code batchId}, computed by the model at {@code modelStep}, to every
   * student, in the encoding of each one's link.
   */
  void toStudents(long batchId, long modelStep, int rows, float[] softened);

  /** The same, to one student. */
  void toStudent(String student, long batchId, long modelStep, int rows, float[] softened);

  /** Tells {@code recipients} that this peer has trained through {@code batchId}. */
  void progress(long trainedThrough, Collection<String> recipients);

  /**
   * The lock-step on batch {@code batchId} is about to wait for its teachers' predictions, this
   * peer's own sent: what must go out before that wait goes now ({@link NodeEnsemble}).
   */
  default void beforeWaiting(long batchId) {}
}
