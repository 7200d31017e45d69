package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import dev.cohort.protocol.Contributor;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerProgress;
import dev.cohort.protocol.Relay;
import dev.cohort.protocol.SoftPredictions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The wire inbox passes another node's aggregate (node-ensemble) on to the peers of its own node:
 * one that arrives before the peer knows them (before its start) is not lost but passed on, in
 * order, with the next message after it does; a copy already passed on is never passed on again.
 * It hands a relay (one teacher message for several peers of this node) to every inbox it names.
 */
class PeerWireTest {

  private enum Nudge implements PeerTrainer.Command { INSTANCE }

  private final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString(
      "pekko.actor.serialize-messages = on\npekko.actor.allow-java-serialization = off")
      .withFallback(ConfigFactory.load()));

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  private static PeerInbox aggregate(long batch, boolean forwarded) {
    return PeerInbox.newBuilder().setPredictions(SoftPredictions.newBuilder().setRunId("run").setFromPeer("a")
        .setBatchId(batch).setModelStep(batch).setForwarded(forwarded)
        .addContributors(Contributor.newBuilder().setPeer("a").setModelStep(batch))).build();
  }

  @Test
  void anAggregateFromBeforeThePeerKnewItsNodesPeersIsPassedOnFirstOnceItDoes() {
    PeerSide side = new PeerSide(new Exchange("s", Topology.mutual(List.of("a", "b", "s")), TeacherWeighting.NONE), 2.0, 4);
    TestProbe<PeerTrainer.Command> trainer = testKit.createTestProbe();
    TestProbe<PeerInbox> neighbour = testKit.createTestProbe();
    AtomicReference<List<ActorRef<PeerInbox>>> localPeers = new AtomicReference<>(List.of());
    ActorRef<PeerInbox> wire = testKit.spawn(
        PeerWire.create("s", trainer.ref(), side.intake(Long.MAX_VALUE, () -> false), Nudge.INSTANCE, localPeers::get));

    wire.tell(aggregate(0, false)); // before the start: nobody to pass it on to yet
    trainer.expectMessage(Nudge.INSTANCE);
    localPeers.set(List.of(neighbour.ref())); // the start linked b, on this node
    wire.tell(aggregate(1, false));
    trainer.expectMessage(Nudge.INSTANCE);
    wire.tell(aggregate(2, true)); // a copy another peer of this node passed on: not passed on again
    wire.tell(aggregate(3, false));

    for (long batch : new long[] {0, 1, 3}) {
      SoftPredictions passedOn = neighbour.receiveMessage().getPredictions();
      assertEquals(batch, passedOn.getBatchId(), "in the order they came, batch 2 left out");
      assertTrue(passedOn.getForwarded());
    }
  }

  private PeerInbox relay(PeerInbox message, List<ActorRef<PeerInbox>> to) {
    ActorRefResolver resolver = ActorRefResolver.get(testKit.system());
    return PeerInbox.newBuilder().setRelay(Relay.newBuilder().setMessage(message)
        .addAllTo(to.stream().map(resolver::toSerializationFormat).toList())).build();
  }

  /**
   * A relay's message reaches each inbox it names as the teacher sent it: this peer's own
   * predictions its intake (and the trainer a nudge), its own progress the trainer's mailbox, the
   * other peers' theirs; a relay that does not name this peer leaves its trainer alone, and a relay
   * inside a relay goes nowhere.
   */
  @Test
  void aRelayIsHandedToEveryInboxItNamesThisOneIncluded() {
    Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "b", "s")), TeacherWeighting.NONE);
    PeerSide side = new PeerSide(exchange, 2.0, 2);
    PredictionIntake intake = side.intake(Long.MAX_VALUE, () -> false);
    TestProbe<PeerTrainer.Command> trainer = testKit.createTestProbe();
    TestProbe<PeerInbox> neighbour = testKit.createTestProbe();
    ActorRef<PeerInbox> wire = testKit.spawn(PeerWire.create("s", trainer.ref(), intake, Nudge.INSTANCE, List::of));
    PeerInbox predictions = PeerInbox.newBuilder()
        .setPredictions(RecordingOutbox.predictions("run", "a", 0, 0, 2, 2.0, new float[] {0.2f, 0.8f})).build();

    assertTrue(exchange.missing(0).contains("a"));
    wire.tell(relay(predictions, List.of(neighbour.ref(), wire)));
    assertEquals(predictions, neighbour.receiveMessage());
    trainer.expectMessage(Nudge.INSTANCE);
    intake.drain();
    assertFalse(exchange.missing(0).contains("a"), "this peer's copy reached its intake: " + exchange.missing(0));

    PeerInbox progress = PeerInbox.newBuilder()
        .setProgress(PeerProgress.newBuilder().setPeer("a").setTrainedThrough(3)).build();
    wire.tell(relay(progress, List.of(wire)));
    assertEquals(PeerTrainer.fromWire(progress), trainer.receiveMessage());

    wire.tell(relay(progress, List.of(neighbour.ref())));
    assertEquals(progress, neighbour.receiveMessage());
    wire.tell(relay(relay(progress, List.of(wire)), List.of(wire, neighbour.ref())));
    trainer.expectNoMessage(Duration.ofMillis(300));
    neighbour.expectNoMessage(Duration.ofMillis(300));
  }
}
