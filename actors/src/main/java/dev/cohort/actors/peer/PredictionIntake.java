package dev.cohort.actors.peer;

import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * Takes what arrives for a peer past its mailbox ({@link InboundPredictions}): a teacher's
 * predictions are checked (run, sender, batch, classes, temperature, staleness, finite values),
 * put together when they came in parts, and kept in the {@link Exchange} for the step that uses
 * them; a departure goes to {@code departed}. Whatever fails a check is logged and never reaches a
 * target.
 */
final class PredictionIntake {

  /** What predictions must match to be used. */
  record Expected(String runId, int classes, double temperature, long maxStaleness) {}

  private final String self;
  private final Expected expected;
  private final InboundPredictions inbound;
  private final Exchange exchange;
  private final StepFigures figures;
  private final BooleanSupplier finished;
  private final BiConsumer<String, ActorRef<PeerInbox>> departed;
  private final Logger log;
  private final ChunkAssembly chunks = new ChunkAssembly();

  /**
   * @param finished whether this peer has finished: it then uses nothing, and a departure changes
   *     nothing
   */
  PredictionIntake(String self, Expected expected, InboundPredictions inbound, Exchange exchange, StepFigures figures,
      BooleanSupplier finished, BiConsumer<String, ActorRef<PeerInbox>> departed, Logger log) {
    this.self = self;
    this.expected = expected;
    this.inbound = inbound;
    this.exchange = exchange;
    this.figures = figures;
    this.finished = finished;
    this.departed = departed;
    this.log = log;
  }

  /** Takes everything that has arrived, without waiting. */
  void drain() {
    for (InboundPredictions.Arrival next = inbound.poll(); next != null; next = inbound.poll()) {
      take(next);
    }
  }

  void take(InboundPredictions.Arrival arrival) {
    if (arrival instanceof InboundPredictions.Predictions predictions) {
      accept(predictions.message());
    } else if (arrival instanceof InboundPredictions.Departure departure && !finished.getAsBoolean()) {
      departed.accept(departure.peer(), departure.ref());
    }
  }

  /** The parts of batches up to {@code batchId} that never came whole are of no use any more. */
  void forgetThrough(long batchId) {
    chunks.forgetThrough(batchId);
  }

  /** Keeps a teacher's predictions for the step that will use them, after checking what they are. */
  void accept(SoftPredictions predictions) {
    String from = predictions.getFromPeer();
    long batchId = predictions.getBatchId();
    boolean ourRun = predictions.getRunId().equals(expected.runId());
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
    if (finished.getAsBoolean() || !exchange.isCurrentOrAhead(batchId) || !matches(predictions)) {
      return; // late (that step is taken), implausibly far ahead, or not what this peer can use
    }
    long started = System.nanoTime();
    float[] rows;
    try {
      rows = ProbabilityCodec.decode(predictions);
    } catch (IllegalArgumentException e) {
      // Never into a target: one NaN there would make this peer's weights NaN too.
      log.warn("peer {} rejects the predictions of {} for batch {}: {}", self, from, batchId, e.getMessage());
      exchange.rejected(from, batchId);
      return;
    }
    figures.addCodec(System.nanoTime() - started, 0);
    if (predictions.getBatchRows() > 0) {
      rows = chunks.add(predictions, rows);
      if (rows == null) {
        return; // more of this batch to come
      }
    }
    // Kept even before this peer's own start arrives: a teacher may have started first.
    exchange.predictionsFrom(from, batchId, predictions.getModelStep(), rows,
        predictions.hasValidationAccuracy() ? predictions.getValidationAccuracy() : Double.NaN);
  }

  private boolean matches(SoftPredictions predictions) {
    if (predictions.getClasses() != expected.classes()
        || Math.abs(predictions.getTemperature() - expected.temperature()) > 1e-6) {
      log.warn("peer {} ignores predictions of {}: {} classes at T={}, expected {} at T={}", self,
          predictions.getFromPeer(), predictions.getClasses(), predictions.getTemperature(), expected.classes(),
          expected.temperature());
      return false;
    }
    long staleness = predictions.getBatchId() - predictions.getModelStep();
    if (staleness > expected.maxStaleness()) {
      log.warn("peer {} ignores predictions of {} for batch {}: {} steps stale, more than d = {}", self,
          predictions.getFromPeer(), predictions.getBatchId(), staleness, expected.maxStaleness());
      return false;
    }
    return true;
  }
}
