package dev.cohort.actors.peer;

import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.SoftPredictions;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What reaches a trainer past its mailbox: teachers' predictions (the peer's wire inbox puts them
 * here) and word that a linked peer is gone ({@link PeerWatch}). The trainer takes them out on its
 * own thread, also in the middle of a training step, between the forward and the backward pass,
 * while it waits for the predictions it needs: a teacher that died meanwhile ends that wait at once
 * instead of after max-wait.
 */
final class InboundPredictions {

  /** One thing that arrived. */
  sealed interface Arrival {}

  /** A teacher's predictions. */
  record Predictions(SoftPredictions message) implements Arrival {}

  /** A linked peer ({@code ref}, its incarnation) stopped, or its node left the cluster. */
  record Departure(String peer, ActorRef<PeerInbox> ref) implements Arrival {}

  private final LinkedBlockingQueue<Arrival> queue = new LinkedBlockingQueue<>();

  void add(SoftPredictions predictions) {
    queue.add(new Predictions(predictions));
  }

  void departed(String peer, ActorRef<PeerInbox> ref) {
    queue.add(new Departure(peer, ref));
  }

  /** The next arrival, if any. */
  Arrival poll() {
    return queue.poll();
  }

  /** The next arrival, waiting for it at most {@code nanos}; {@code null} when none came in time. */
  Arrival poll(long nanos) throws InterruptedException {
    return queue.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }
}
