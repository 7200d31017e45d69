package dev.cohort.actors.peer;

import dev.cohort.protocol.SoftPredictions;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Teachers' predictions on their way to a trainer, past its mailbox: the peer's wire inbox puts
 * them here, and the trainer takes them out on its own thread, also while it is in the middle of
 * a training step, between the forward and the backward pass, waiting for the ones it needs.
 */
final class InboundPredictions {

  private final LinkedBlockingQueue<SoftPredictions> queue = new LinkedBlockingQueue<>();

  void add(SoftPredictions predictions) {
    queue.add(predictions);
  }

  /** The next one, if any has arrived. */
  SoftPredictions poll() {
    return queue.poll();
  }

  /** The next one, waiting for it at most {@code nanos}; {@code null} when none came in time. */
  SoftPredictions poll(long nanos) throws InterruptedException {
    return queue.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }
}
