package dev.cohort.actors.peer;

import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.SoftPredictions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A peer's remote-facing inbox (what the Receptionist registers). Predictions go straight to the
 * trainer's {@link PredictionIntake}, followed by a nudge, so that a trainer blocked inside a
 * training step waiting for them gets them; every other message goes to the trainer's mailbox.
 * Another node's aggregate (topology node-ensemble, {@link NodeEnsemble}) sent to this peer is
 * also passed on, marked forwarded, to the other peers of this node (one that came before this
 * peer knew them, before its start, with the next message after it does). It runs on the default
 * dispatcher, never on the trainer's thread.
 */
final class PeerWire {

  private PeerWire() {}

  /**
   * @param student the peer whose inbox this is
   * @param localPeers the inboxes of the linked peers on this node, as they are now
   */
  static Behavior<PeerInbox> create(String student, ActorRef<PeerTrainer.Command> trainer, PredictionIntake intake,
      PeerTrainer.Command nudge, Supplier<List<ActorRef<PeerInbox>>> localPeers) {
    return Behaviors.setup(context -> {
      // Aggregates to pass on that came before this peer knew its node's peers (before its start):
      // passed on, in order, with the first message after it does, so none is lost.
      Deque<PeerInbox> held = new ArrayDeque<>();
      return Behaviors.receiveMessage(message -> {
        if (message.getMessageCase() == PeerInbox.MessageCase.PREDICTIONS) {
          SoftPredictions predictions = message.getPredictions();
          ExchangeEvents.arrived(predictions.getFromPeer(), student, predictions.getBatchId());
          if (predictions.getContributorsCount() > 0 && !predictions.getForwarded()) {
            held.add(PeerInbox.newBuilder().setPredictions(predictions.toBuilder().setForwarded(true)).build());
            if (held.size() > Exchange.MAX_BATCHES_AHEAD) {
              held.poll(); // a peer alone on its node has nobody to pass them on to
            }
          }
          int passedOn = 0;
          List<ActorRef<PeerInbox>> peers = localPeers.get();
          if (!peers.isEmpty()) {
            passedOn = held.size() * peers.size();
            for (PeerInbox copy = held.poll(); copy != null; copy = held.poll()) {
              PeerInbox aggregate = copy;
              peers.forEach(peer -> peer.tell(aggregate));
            }
          }
          intake.arrived(predictions, passedOn);
          trainer.tell(nudge);
        } else {
          trainer.tell(PeerTrainer.fromWire(message));
        }
        return Behaviors.same();
      });
    });
  }
}
