package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.TeacherWeighting;
import dev.cohort.model.Topology;
import dev.cohort.protocol.SoftPredictions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What a peer keeps of what arrives for it, without an actor. */
class PredictionIntakeTest {

  private static final int CLASSES = 2;
  private static final double T = 2.0;
  private static final int[] CLASS_0_AND_1 = {0, 1};
  private static final float[] TWO_ROWS = {0.2f, 0.8f, 0.6f, 0.4f};

  private final Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "s")), TeacherWeighting.NONE);
  private final InboundPredictions inbound = new InboundPredictions();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final List<String> departed = new ArrayList<>();
  private final PredictionIntake intake = intake(Long.MAX_VALUE);

  private PredictionIntake intake(long maxStaleness) {
    return new PredictionIntake("s", new PredictionIntake.Expected("run", CLASSES, T, maxStaleness), inbound,
        exchange, new StepFigures(), finished::get, (peer, ref) -> departed.add(peer),
        LoggerFactory.getLogger(PredictionIntakeTest.class));
  }

  private static SoftPredictions fromA(long batchId, long modelStep) {
    return RecordingOutbox.predictions("run", "a", batchId, modelStep, CLASSES, T, TWO_ROWS);
  }

  @Test
  void aTeachersPredictionsAreKeptForTheirBatch() {
    inbound.add(fromA(0, 0));
    intake.drain();
    assertTrue(exchange.complete(0));
    assertArrayEquals(TWO_ROWS, exchange.takeTarget(0, null, TWO_ROWS.length, CLASS_0_AND_1).values(), 1e-6f);
  }

  @Test
  void predictionsOfAnotherRunAnotherPeerOtherClassesOrAnotherTemperatureAreNeverKept() {
    intake.accept(RecordingOutbox.predictions("other-run", "a", 0, 0, CLASSES, T, TWO_ROWS));
    intake.accept(RecordingOutbox.predictions("run", "stranger", 0, 0, CLASSES, T, TWO_ROWS));
    intake.accept(RecordingOutbox.predictions("run", "a", 0, 0, 4, T, TWO_ROWS));
    intake.accept(RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, 1.0, TWO_ROWS));
    assertFalse(exchange.complete(0));
  }

  @Test
  void predictionsStalerThanTheBoundAreRefused() {
    PredictionIntake codistilling = intake(1);
    codistilling.accept(fromA(5, 3));
    assertFalse(exchange.complete(5), "computed 2 steps before the batch, bound 1");
    codistilling.accept(fromA(5, 4));
    assertTrue(exchange.complete(5));
  }

  @Test
  void nonFiniteValuesAreRefusedAndTheirTeacherIsNotWaitedForThatBatch() {
    intake.accept(RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, T, new float[] {Float.NaN, 1, 0.5f, 0.5f}));
    assertTrue(exchange.complete(0), "refused, not awaited");
    assertArrayEquals(new float[4], exchange.takeTarget(0, null, 4, CLASS_0_AND_1).values(), "and not used");
  }

  @Test
  void aBatchThatCameInPartsIsKeptOnlyWhenWhole() {
    intake.accept(RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, T, new float[] {0.6f, 0.4f}).toBuilder()
        .setFirstRow(1).setBatchRows(2).build());
    assertFalse(exchange.complete(0), "row 0 is still to come");
    intake.accept(RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, T, new float[] {0.2f, 0.8f}).toBuilder()
        .setFirstRow(0).setBatchRows(2).build());
    assertTrue(exchange.complete(0));
    assertArrayEquals(TWO_ROWS, exchange.takeTarget(0, null, 4, CLASS_0_AND_1).values(), 1e-6f);
  }

  @Test
  void aFinishedPeerKeepsNothingAndNoDepartureChangesItsLinks() {
    finished.set(true);
    intake.accept(fromA(0, 0));
    inbound.departed("a", null);
    intake.drain();
    assertFalse(exchange.complete(0));
    assertEquals(List.of(), departed);
    finished.set(false);
    inbound.departed("a", null);
    intake.drain();
    assertEquals(List.of("a"), departed);
  }
}
