package dev.cohort.actors.peer;

import dev.cohort.protocol.Contributor;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.SoftPredictions;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * Everything that reaches a peer past its mailbox, in one place: its teachers' predictions (put
 * here by the peer's wire inbox, {@link PeerWire}) and word that a linked peer is gone (put here by
 * {@link PeerWatch}). Those two put on their own threads; the trainer takes on its thread, between
 * steps and also inside a step, between the forward and the backward pass, while it waits for the
 * predictions it needs ({@link TeacherWait}): a teacher that died meanwhile ends that wait at once
 * instead of after max-wait.
 *
 * <p>What it takes is checked (run, sender, batch, classes and temperature against the peer's
 * {@link Softening}, staleness, probabilities), put together when it came in parts, and kept in
 * the {@link Exchange} for the step that uses it; a departure unlinks the peer ({@link Links}).
 * Whatever fails a check is logged and never reaches a target.
 */
final class PredictionIntake {

  /** One thing that arrived. */
  private sealed interface Arrival {}

  /**
   * @param arrivedNanos when it was put here ({@link System#nanoTime})
   * @param passedOn to how many peers of this node the wire inbox passed it on (a node's aggregate)
   */
  private record Predictions(SoftPredictions message, long arrivedNanos, int passedOn) implements Arrival {}

  /** A linked peer ({@code ref}, its incarnation) stopped, or its node left the cluster. */
  private record Departure(String peer, ActorRef<PeerInbox> ref) implements Arrival {}

  private final LinkedBlockingQueue<Arrival> queue = new LinkedBlockingQueue<>();
  private final String self;
  private final String runId;
  private final Softening softening;
  private final long maxStaleness;
  private final Exchange exchange;
  private final Links links;
  private final StepFigures figures;
  private final BooleanSupplier finished;
  private final Logger log;
  private final ChunkAssembly chunks = new ChunkAssembly();

  /**
   * @param maxStaleness how many steps before its batch a prediction may have been computed
   *     (codistillation's lookahead d; unbounded in lock-step)
   * @param finished whether this peer has finished: it then uses nothing, and a departure changes
   *     nothing
   */
  PredictionIntake(String self, String runId, Softening softening, long maxStaleness, Exchange exchange, Links links,
      StepFigures figures, BooleanSupplier finished, Logger log) {
    this.self = self;
    this.runId = runId;
    this.softening = softening;
    this.maxStaleness = maxStaleness;
    this.exchange = exchange;
    this.links = links;
    this.figures = figures;
    this.finished = finished;
    this.log = log;
  }

  /** A teacher's predictions arrived (any thread). */
  void arrived(SoftPredictions predictions) {
    arrived(predictions, 0);
  }

  /** A teacher's predictions arrived and were passed on to {@code passedOn} peers of this node (any thread). */
  void arrived(SoftPredictions predictions, int passedOn) {
    queue.add(new Predictions(predictions, System.nanoTime(), passedOn));
  }

  /** A linked peer is gone (any thread). */
  void departed(String peer, ActorRef<PeerInbox> ref) {
    queue.add(new Departure(peer, ref));
  }

  /** Takes everything that has arrived, without waiting (the trainer's thread). */
  void drain() {
    for (Arrival next = queue.poll(); next != null; next = queue.poll()) {
      take(next);
    }
  }

  /** What {@link #takeNext} got: nothing in time, a departure, or predictions that arrived at {@code arrivedNanos}. */
  static final long NOTHING = Long.MIN_VALUE;
  static final long DEPARTURE = Long.MIN_VALUE + 1;

  /**
   * Waits at most {@code nanos} for the next arrival and takes it (the trainer's thread); returns
   * when predictions taken arrived ({@link System#nanoTime}), {@link #DEPARTURE} for a departure,
   * {@link #NOTHING} when nothing came in time.
   */
  long takeNext(long nanos) throws InterruptedException {
    Arrival next = queue.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    if (next == null) {
      return NOTHING;
    }
    take(next);
    return next instanceof Predictions predictions ? predictions.arrivedNanos() : DEPARTURE;
  }

  /** The parts of batches up to {@code batchId} that never came whole are of no use any more. */
  void forgetThrough(long batchId) {
    chunks.forgetThrough(batchId);
  }

  private void take(Arrival arrival) {
    if (arrival instanceof Predictions predictions) {
      if (predictions.passedOn() > 0) {
        figures.addSends(predictions.passedOn(), 0); // counted here: the figures are the trainer thread's
      }
      keep(predictions.message());
    } else if (arrival instanceof Departure departure && !finished.getAsBoolean()) {
      links.departed(departure.peer(), departure.ref());
    }
  }

  /** Keeps a teacher's predictions for the step that will use them, after checking what they are. */
  private void keep(SoftPredictions predictions) {
    if (predictions.getContributorsCount() > 0) {
      keepAggregate(predictions);
      return;
    }
    String from = predictions.getFromPeer();
    long batchId = predictions.getBatchId();
    boolean ourRun = predictions.getRunId().equals(runId);
    if (!ourRun || !exchange.teachers().contains(from)) {
      if (ourRun && exchange.isLinkedTeacher(from)) {
        return; // a returning teacher, before this peer has heard that it is back
      }
      log.warn("peer {} ignores predictions from {} of run {}: not one of its teachers {}",
          self, from, predictions.getRunId(), exchange.teachers());
      return;
    }
    exchange.seen(from, batchId);
    // Late or not, it was computed at the sender's model step: the sender, as a student of this
    // peer, has trained through the batch before (a peer back from a partition catches up this way).
    exchange.progressOf(from, predictions.getModelStep() - 1);
    if (finished.getAsBoolean() || !exchange.isCurrentOrAhead(batchId) || !usable(predictions)) {
      return; // late (that step is taken), implausibly far ahead, or not what this peer can use
    }
    float[] rows = decoded(predictions, List.of(from));
    if (rows == null) {
      return; // rejected, or more of this batch to come
    }
    // Kept even before this peer's own start arrives: a teacher may have started first.
    exchange.predictionsFrom(from, batchId, predictions.getModelStep(), rows,
        predictions.hasValidationAccuracy() ? predictions.getValidationAccuracy() : Double.NaN);
  }

  /**
   * Keeps a node's aggregate (topology node-ensemble, {@link NodeEnsemble}) as the rows of each of
   * its contributors that is one of this peer's teachers.
   */
  private void keepAggregate(SoftPredictions predictions) {
    long batchId = predictions.getBatchId();
    if (!predictions.getRunId().equals(runId)) {
      log.warn("peer {} ignores the aggregate of {} of run {}", self, predictions.getFromPeer(), predictions.getRunId());
      return;
    }
    List<Contributor> teachers = predictions.getContributorsList().stream()
        .filter(c -> exchange.teachers().contains(c.getPeer())).toList();
    for (Contributor teacher : teachers) {
      exchange.seen(teacher.getPeer(), batchId);
      exchange.progressOf(teacher.getPeer(), teacher.getModelStep() - 1);
    }
    if (teachers.isEmpty() || finished.getAsBoolean() || !exchange.isCurrentOrAhead(batchId) || !usable(predictions)) {
      return;
    }
    float[] rows = decoded(predictions, teachers.stream().map(Contributor::getPeer).toList());
    if (rows == null) {
      return;
    }
    for (Contributor teacher : teachers) {
      exchange.predictionsFrom(teacher.getPeer(), batchId, teacher.getModelStep(), rows,
          teacher.hasValidationAccuracy() ? teacher.getValidationAccuracy() : Double.NaN);
    }
  }

  /**
   * The probabilities a message carries, put together when it came in parts; null while parts are
   * missing, or when they are no probabilities: then the batch no longer waits for {@code teachers}.
   */
  private float[] decoded(SoftPredictions predictions, List<String> teachers) {
    long started = System.nanoTime();
    try {
      float[] rows = softening.decode(predictions);
      return predictions.getBatchRows() > 0 ? chunks.add(predictions, rows) : rows;
    } catch (IllegalArgumentException e) {
      // Never into a target: one NaN there would make this peer's weights NaN too.
      log.warn("peer {} rejects the predictions of {} for batch {}: {}", self, predictions.getFromPeer(),
          predictions.getBatchId(), e.getMessage());
      teachers.forEach(teacher -> exchange.rejected(teacher, predictions.getBatchId()));
      return null;
    } finally {
      figures.addCodec(System.nanoTime() - started, 0);
    }
  }

  private boolean usable(SoftPredictions predictions) {
    String mismatch = softening.mismatch(predictions);
    if (mismatch != null) {
      log.warn("peer {} ignores predictions of {}: {}", self, predictions.getFromPeer(), mismatch);
      return false;
    }
    long staleness = predictions.getBatchId() - predictions.getModelStep();
    if (staleness > maxStaleness) {
      log.warn("peer {} ignores predictions of {} for batch {}: {} steps stale, more than d = {}", self,
          predictions.getFromPeer(), predictions.getBatchId(), staleness, maxStaleness);
      return false;
    }
    return true;
  }
}
