package dev.cohort.actors.peer;

import dev.cohort.protocol.PeerInbox;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A peer's remote-facing inbox (what the Receptionist registers). Predictions go straight to the
 * trainer's {@link PredictionIntake}, followed by a nudge, so that a trainer blocked inside a
 * training step waiting for them gets them; every other message goes to the trainer's mailbox.
 * It runs on the default dispatcher, never on the trainer's thread.
 */
final class PeerWire {

  private PeerWire() {}

  /** @param student the peer whose inbox this is */
  static Behavior<PeerInbox> create(
      String student, ActorRef<PeerTrainer.Command> trainer, PredictionIntake intake, PeerTrainer.Command nudge) {
    return Behaviors.receive(
        (context, message) -> {
          if (message.getMessageCase() == PeerInbox.MessageCase.PREDICTIONS) {
            ExchangeEvents.arrived(message.getPredictions().getFromPeer(), student, message.getPredictions().getBatchId());
            intake.arrived(message.getPredictions());
            trainer.tell(nudge);
          } else {
            trainer.tell(PeerTrainer.fromWire(message));
          }
          return Behaviors.same();
        });
  }
}
