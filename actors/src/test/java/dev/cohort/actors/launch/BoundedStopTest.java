package dev.cohort.actors.launch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * A node whose actor system does not stop still exits: an actor busy in a message holds the
 * termination up, the wait ends at its limit with the busy thread's stack on the error stream,
 * and the system stops once the actor lets go.
 */
class BoundedStopTest {

  private static Behavior<String> blocksOn(CountDownLatch release, CountDownLatch busy) {
    return Behaviors.receive(String.class)
        .onAnyMessage(message -> {
          busy.countDown();
          release.await();
          return Behaviors.same();
        })
        .build();
  }

  @Test
  void aTerminationHeldUpByABusyActorIsReportedWithItsStackAndTheWaitEnds() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch busy = new CountDownLatch(1);
    ActorSystem<String> system = ActorSystem.create(blocksOn(release, busy), "bounded-stop");
    try {
      CompletableFuture<Void> begins = BoundedStop.terminationBegins(system);
      system.tell("hold on");
      assertTrue(busy.await(30, TimeUnit.SECONDS), "the actor took its message");
      assertFalse(begins.isDone(), "nothing has begun to stop yet");

      system.terminate();
      begins.get(30, TimeUnit.SECONDS); // the coordinated shutdown reached its last phase
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertFalse(BoundedStop.await(system, Duration.ofSeconds(1), new PrintStream(err, true, StandardCharsets.UTF_8)));
      String said = err.toString(StandardCharsets.UTF_8);
      assertTrue(said.contains("did not stop within 1 s; exiting anyway"), said);
      assertTrue(said.contains("BoundedStopTest.lambda$blocksOn"), "the busy actor's stack is shown:\n" + said);
    } finally {
      release.countDown();
    }
    assertTrue(BoundedStop.await(system, Duration.ofSeconds(60), System.err), "released, the system stops");
  }

  @Test
  void aSystemThatStopsIsAwaitedWithoutAWord() throws Exception {
    ActorSystem<String> system = ActorSystem.create(Behaviors.ignore(), "stops");
    CompletableFuture<Void> begins = BoundedStop.terminationBegins(system);
    system.terminate();
    begins.get(30, TimeUnit.SECONDS);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertTrue(BoundedStop.await(system, Duration.ofSeconds(60), new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertTrue(err.size() == 0, err.toString(StandardCharsets.UTF_8));
  }
}
