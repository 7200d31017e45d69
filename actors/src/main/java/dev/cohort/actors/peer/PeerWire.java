package dev.cohort.actors.peer;

import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.SoftPredictions;
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
 * also passed on, marked forwarded, to the other peers of this node. It runs on the default
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
    return Behaviors.receive(
        (context, message) -> {
          if (message.getMessageCase() == PeerInbox.MessageCase.PREDICTIONS) {
            SoftPredictions predictions = message.getPredictions();
            ExchangeEvents.arrived(predictions.getFromPeer(), student, predictions.getBatchId());
            int passedOn = 0;
            if (predictions.getContributorsCount() > 0 && !predictions.getForwarded()) {
              PeerInbox copy = PeerInbox.newBuilder().setPredictions(predictions.toBuilder().setForwarded(true)).build();
              List<ActorRef<PeerInbox>> peers = localPeers.get();
              peers.forEach(peer -> peer.tell(copy));
              passedOn = peers.size();
            }
            intake.arrived(predictions, passedOn);
            trainer.tell(nudge);
          } else {
            trainer.tell(PeerTrainer.fromWire(message));
          }
          return Behaviors.same();
        });
  }
}
