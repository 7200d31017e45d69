package dev.cohort.actors.peer;

import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.Relay;
import dev.cohort.protocol.SoftPredictions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A peer's remote-facing inbox (what the Receptionist registers). Predictions go straight to the
 * trainer's {@link PredictionIntake}, followed by a nudge, so that a trainer blocked inside a
 * training step waiting for them gets them; every other message goes to the trainer's mailbox.
 * Another node's aggregate (topology node-ensemble, {@link NodeEnsemble}) sent to this peer is
 * also passed on, marked forwarded, to the other peers of this node (one that came before this
 * peer knew them, before its start, with the next message after it does). A {@link Relay} (a
 * teacher's message for several peers of this node, sent once: {@code
 * distillation.one-message-per-node}) is handed to each inbox it names, this one included. It runs
 * on the default dispatcher, never on the trainer's thread.
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
      Relays relays = new Relays(context, student);
      return Behaviors.receiveMessage(received -> {
        PeerInbox message = received.getMessageCase() == PeerInbox.MessageCase.RELAY
            ? relays.handOn(received.getRelay())
            : received;
        if (message == null) {
          return Behaviors.same(); // not for this peer itself
        }
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

  /** Hands relays on to the inboxes they name; remembers what each name resolved to. */
  private static final class Relays {

    /** More distinct inboxes than this (peers come back as new incarnations): forget them all. */
    private static final int MAX_REMEMBERED = 4096;

    private final ActorContext<PeerInbox> context;
    private final String student;
    private final ActorRefResolver resolver;
    private final Map<String, ActorRef<PeerInbox>> resolved = new HashMap<>();

    Relays(ActorContext<PeerInbox> context, String student) {
      this.context = context;
      this.student = student;
      this.resolver = ActorRefResolver.get(context.getSystem());
    }

    /** Hands the relay's message to each inbox it names on this node; returns it if this inbox is one, else null. */
    PeerInbox handOn(Relay relay) {
      PeerInbox message = relay.getMessage();
      if (message.getMessageCase() == PeerInbox.MessageCase.RELAY
          || message.getMessageCase() == PeerInbox.MessageCase.MESSAGE_NOT_SET) {
        context.getLog().warn("peer {} ignores a relay of {}: a relay carries one message, never a relay",
            student, message.getMessageCase());
        return null;
      }
      boolean mine = false;
      for (String to : relay.getToList()) {
        ActorRef<PeerInbox> inbox = resolve(to);
        if (inbox.equals(context.getSelf())) {
          mine = true;
        } else if (inbox.path().address().hasLocalScope()) {
          inbox.tell(message);
        } else {
          context.getLog().warn("peer {} does not hand a relay on to {}: not on this node", student, to);
        }
      }
      return mine ? message : null;
    }

    private ActorRef<PeerInbox> resolve(String to) {
      ActorRef<PeerInbox> inbox = resolved.get(to);
      if (inbox == null) {
        if (resolved.size() >= MAX_REMEMBERED) {
          resolved.clear();
        }
        inbox = resolver.resolveActorRef(to);
        resolved.put(to, inbox);
      }
      return inbox;
    }
  }
}
