package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.SoftPredictions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a peer keeps of what arrives for it, without an actor. */
class PredictionIntakeTest {

  private static final int CLASSES = 2;
  private static final double T = 2.0;
  private static final int[] CLASS_0_AND_1 = {0, 1};
  private static final float[] TWO_ROWS = {0.2f, 0.8f, 0.6f, 0.4f};

  private static ActorTestKit testKit;

  private final Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "s")), TeacherWeighting.NONE);
  private final PeerSide side = new PeerSide(exchange, T, CLASSES);
  private final AtomicBoolean finished = new AtomicBoolean();
  private final PredictionIntake intake = side.intake(Long.MAX_VALUE, finished::get);

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** What a teacher sent, as the wire inbox hands it over, taken by the trainer. */
  private static void arrive(PredictionIntake intake, SoftPredictions predictions) {
    intake.arrived(predictions);
    intake.drain();
  }

  private static SoftPredictions fromA(long batchId, long modelStep) {
    return RecordingOutbox.predictions("run", "a", batchId, modelStep, CLASSES, T, TWO_ROWS);
  }

  @Test
  void aTeachersPredictionsAreKeptForTheirBatch() {
    arrive(intake, fromA(0, 0));
    assertTrue(exchange.complete(0));
    assertArrayEquals(TWO_ROWS, exchange.takeTarget(0, null, TWO_ROWS.length, CLASS_0_AND_1).values(), 1e-6f);
  }

  @Test
  void predictionsOfAnotherRunAnotherPeerOtherClassesOrAnotherTemperatureAreNeverKept() {
    arrive(intake, RecordingOutbox.predictions("other-run", "a", 0, 0, CLASSES, T, TWO_ROWS));
    arrive(intake, RecordingOutbox.predictions("run", "stranger", 0, 0, CLASSES, T, TWO_ROWS));
    arrive(intake, RecordingOutbox.predictions("run", "a", 0, 0, 4, T, TWO_ROWS));
    arrive(intake, RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, 1.0, TWO_ROWS));
    assertFalse(exchange.complete(0));
  }

  @Test
  void predictionsStalerThanTheBoundAreRefused() {
    PredictionIntake codistilling = side.intake(1, finished::get);
    arrive(codistilling, fromA(5, 3));
    assertFalse(exchange.complete(5), "computed 2 steps before the batch, bound 1");
    arrive(codistilling, fromA(5, 4));
    assertTrue(exchange.complete(5));
  }

  @Test
  void nonFiniteValuesAreRefusedAndTheirTeacherIsNotWaitedForThatBatch() {
    arrive(intake, RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, T, new float[] {Float.NaN, 1, 0.5f, 0.5f}));
    assertTrue(exchange.complete(0), "refused, not awaited");
    assertArrayEquals(new float[4], exchange.takeTarget(0, null, 4, CLASS_0_AND_1).values(), "and not used");
  }

  @Test
  void aBatchThatCameInPartsIsKeptOnlyWhenWhole() {
    arrive(intake, RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, T, new float[] {0.6f, 0.4f}).toBuilder()
        .setFirstRow(1).setBatchRows(2).build());
    assertFalse(exchange.complete(0), "row 0 is still to come");
    arrive(intake, RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, T, new float[] {0.2f, 0.8f}).toBuilder()
        .setFirstRow(0).setBatchRows(2).build());
    assertTrue(exchange.complete(0));
    assertArrayEquals(TWO_ROWS, exchange.takeTarget(0, null, 4, CLASS_0_AND_1).values(), 1e-6f);
  }

  @Test
  void aFinishedPeerKeepsNothingAndNoDepartureChangesItsLinks() {
    ActorRef<PeerInbox> a = testKit.<PeerInbox>createTestProbe().ref();
    side.link("a", a);
    finished.set(true);
    arrive(intake, fromA(0, 0));
    intake.departed("a", a);
    intake.drain();
    assertFalse(exchange.complete(0));
    assertEquals(Set.of("a"), exchange.teachers());
    finished.set(false);
    intake.departed("a", a);
    intake.drain();
    assertEquals(Set.of(), exchange.teachers(), "gone, so never waited for again");
    assertTrue(exchange.complete(0));
  }

  @Test
  void theDepartureOfAnEarlierIncarnationOfAPeerThatIsBackChangesNothing() {
    ActorRef<PeerInbox> before = testKit.<PeerInbox>createTestProbe().ref();
    ActorRef<PeerInbox> now = testKit.<PeerInbox>createTestProbe().ref();
    side.link("a", before);
    side.link("a", now);
    intake.departed("a", before);
    intake.drain();
    assertEquals(Set.of("a"), exchange.teachers());
    assertEquals(List.of("a", "a"), side.watched, "each incarnation is watched");
  }

  @Test
  void aBatchWhosePartsDoNotFitItsRowsIsRejectedNotAFailureOfThePeer() {
    arrive(intake, RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, T, new float[] {0.6f, 0.4f}).toBuilder()
        .setFirstRow(3).setBatchRows(2).build());
    assertTrue(exchange.complete(0), "refused, not awaited");
    assertArrayEquals(new float[4], exchange.takeTarget(0, null, 4, CLASS_0_AND_1).values(), "and not used");
  }

  @Test
  void shapesNoBatchHasAreRefusedBeforeAnythingIsAllocatedForThem() {
    SoftPredictions row = RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, T, new float[] {0.6f, 0.4f});
    // A part far past the end of a batch (first + rows overflows an int), a batch of a billion rows,
    // and a message of more rows than a batch: each refused, none an exception or a huge array.
    arrive(intake, row.toBuilder().setFirstRow(Integer.MAX_VALUE).setBatchRows(2).build());
    arrive(intake, row.toBuilder().setFirstRow(0).setBatchRows(1_000_000_000).build());
    arrive(intake, row.toBuilder().setRows(1_000_000).build());
    assertArrayEquals(new float[4], exchange.takeTarget(0, null, 4, CLASS_0_AND_1).values(), "nothing of them used");
  }
}
