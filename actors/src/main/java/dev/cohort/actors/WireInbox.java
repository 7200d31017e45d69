package dev.cohort.actors;

import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The remote-facing address of an actor: a child typed on one protobuf envelope that hands every
 * message to its parent, wrapped in the parent's local command type.
 *
 * <p>A plain child actor rather than a message adapter, because it is what the Receptionist
 * registers, what other nodes resolve from a serialized reference, and what a Receptionist
 * deregisters when it stops — together with its parent.
 */
public final class WireInbox {

  /** Actor name of every wire inbox, under its owner. */
  public static final String NAME = "inbox";

  private WireInbox() {}

  public static <W, C> Behavior<W> create(ActorRef<C> owner, Function<W, C> wrap) {
    return Behaviors.receive(
        (context, message) -> {
          owner.tell(wrap.apply(message));
          return Behaviors.same();
        });
  }
}
