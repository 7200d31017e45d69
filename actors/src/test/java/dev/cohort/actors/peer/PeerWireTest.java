package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import dev.cohort.protocol.Contributor;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.SoftPredictions;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The wire inbox passes another node's aggregate (node-ensemble) on to the peers of its own node:
 * one that arrives before the peer knows them (before its start) is not lost but passed on, in
 * order, with the next message after it does; a copy already passed on is never passed on again.
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
}
