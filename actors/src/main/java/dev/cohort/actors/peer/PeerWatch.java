package dev.cohort.actors.peer;

import dev.cohort.protocol.PeerInbox;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Watches a trainer's linked peers for it. The trainer cannot see a Terminated in its mailbox while
 * it blocks inside a step waiting for predictions, so this child, on the default dispatcher, puts
 * each departure into the trainer's {@link PredictionIntake} (where that wait sees it) and nudges
 * the trainer (which, between steps, takes it from there).
 */
final class PeerWatch extends AbstractBehavior<PeerWatch.Command> {

  /** Local only: never on the wire. */
  interface Command extends NoSerializationVerificationNeeded {}

  /** Watch {@code ref}, the current incarnation of {@code peer} (an earlier one is no longer watched). */
  record Watch(String peer, ActorRef<PeerInbox> ref) implements Command {}

  private record Gone(String peer, ActorRef<PeerInbox> ref) implements Command {}

  private final PredictionIntake intake;
  private final ActorRef<PeerTrainer.Command> trainer;
  private final PeerTrainer.Command nudge;
  private final Map<String, ActorRef<PeerInbox>> watched = new HashMap<>();

  static Behavior<Command> create(
      PredictionIntake intake, ActorRef<PeerTrainer.Command> trainer, PeerTrainer.Command nudge) {
    return Behaviors.setup(context -> new PeerWatch(context, intake, trainer, nudge));
  }

  private PeerWatch(ActorContext<Command> context, PredictionIntake intake, ActorRef<PeerTrainer.Command> trainer,
      PeerTrainer.Command nudge) {
    super(context);
    this.intake = intake;
    this.trainer = trainer;
    this.nudge = nudge;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Watch.class, this::onWatch)
        .onMessage(Gone.class, this::onGone)
        .build();
  }

  private Behavior<Command> onWatch(Watch watch) {
    ActorRef<PeerInbox> previous = watched.put(watch.peer(), watch.ref());
    if (watch.ref().equals(previous)) {
      return this;
    }
    if (previous != null) {
      getContext().unwatch(previous);
    }
    getContext().watchWith(watch.ref(), new Gone(watch.peer(), watch.ref()));
    return this;
  }

  private Behavior<Command> onGone(Gone gone) {
    watched.remove(gone.peer(), gone.ref());
    intake.departed(gone.peer(), gone.ref());
    trainer.tell(nudge);
    return this;
  }
}
