package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import dev.cohort.protocol.PeerReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The codistillation exchange of one step, without an actor: what it predicts for whom, and its target. */
class CodistillationTest {

  private static final int CLASSES = 2;
  private static final int[] ONE_ROW_OF_CLASS_0 = {0};
  private static final float[] FROM_A = {0.3f, 0.7f};
  private static final float[] OWN = {0.9f, 0.1f};
  private static final long BURN_IN = 2;
  private static final int LOOKAHEAD = 1;
  /** Each student's own shard: 20 examples in batches of 5, one epoch, so steps 0 … 3. */
  private static final Map<String, BatchSchedule> SCHEDULES =
      Map.of("a", new BatchSchedule(20, 5, 1), "b", new BatchSchedule(20, 5, 2));

  private final Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "b", "s")), TeacherWeighting.NONE);
  private final RecordingOutbox outbox = new RecordingOutbox();
  private final PeerSide side = new PeerSide(exchange, 1.0, CLASSES);
  private final StepFigures figures = side.figures;
  private final Position position = new Position(Resumption.START, 1, 0);
  private final List<int[]> predictedRows = new ArrayList<>();
  private final Codistillation codistillation = new Codistillation(exchange, outbox,
      side.intake(LOOKAHEAD, position::finished), figures, SCHEDULES, BURN_IN, LOOKAHEAD, 1, rows -> {
        predictedRows.add(rows);
        return new float[rows.length * CLASSES];
      }, position);

  @Test
  void eachStudentGetsPredictionsOnItsOwnBatchDStepsAheadNoneThatWouldLandInTheBurnIn() {
    codistillation.beforeStep(0);
    assertEquals(List.of(), outbox.sent, "step 1 is in the burn-in");
    position.stepTaken();

    codistillation.beforeStep(1);

    assertEquals(2, outbox.sent.size());
    for (int i = 0; i < 2; i++) {
      RecordingOutbox.Sent sent = outbox.sent.get(i);
      assertEquals(2, sent.batchId());
      assertEquals(1, sent.modelStep());
      assertArrayEquals(SCHEDULES.get(sent.student()).batchAtStep(2), predictedRows.get(i),
          "the student's own batch of step 2, from its shard");
    }
  }

  @Test
  void pastAStudentsLastStepItHearsHowFarThisPeerHasGotInstead() {
    codistillation.beforeStep(3);
    assertEquals(List.of(), outbox.sent);
    assertEquals(List.of(new RecordingOutbox.Progress(2, Set.of("a")), new RecordingOutbox.Progress(2, Set.of("b"))),
        outbox.progress);
  }

  @Test
  void noTargetInTheBurnInAfterItWhatHasArrivedAndEachTeacherMissingCountedAsLate() {
    assertArrayEquals(new float[CLASSES], codistillation.target(1, ONE_ROW_OF_CLASS_0, CLASSES, OWN).values());
    exchange.predictionsFrom("a", 2, 1, FROM_A, Double.NaN);

    float[] target = codistillation.target(2, ONE_ROW_OF_CLASS_0, CLASSES, OWN).values();

    assertArrayEquals(FROM_A, target, 1e-6f, "b has not answered: a alone, no waiting");
    PeerReport report = figures.drainInto(PeerReport.newBuilder(), false).build();
    assertEquals(1, report.getTeacherTimeouts());
    assertEquals(1.0, report.getMeanStaleness(), 1e-9, "a's answer was computed at step 1, for step 2");
  }
}
