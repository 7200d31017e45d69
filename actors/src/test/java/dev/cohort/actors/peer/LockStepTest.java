package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The lock-step exchange of one step, without an actor: what it sends when, and its target. */
class LockStepTest {

  private static final int CLASSES = 2;
  private static final int[] ONE_ROW_OF_CLASS_0 = {0};
  private static final float[] TEACHERS = {0.3f, 0.7f};
  private static final float[] OWN = {0.9f, 0.1f};
  /** 20 examples in batches of 5, two epochs: steps 0 … 7. */
  private static final BatchSchedule SCHEDULE = new BatchSchedule(20, 5, 1);
  private static final int EPOCHS = 2;

  private final RecordingOutbox outbox = new RecordingOutbox();
  private final Position position = new Position(Resumption.START, EPOCHS, 1);

  private LockStep lockStep(Exchange exchange, int lookahead) {
    PeerSide side = new PeerSide(exchange, 1.0, CLASSES);
    StepFigures figures = side.figures;
    PredictionIntake intake = side.intake(Long.MAX_VALUE, position::finished);
    TeacherWait wait = new TeacherWait("s", exchange, intake, Duration.ofMinutes(10), () -> false, () -> { },
        figures, LoggerFactory.getLogger(LockStepTest.class));
    return new LockStep(exchange, outbox, intake, wait, figures, lookahead, SCHEDULE,
        (long) EPOCHS * SCHEDULE.batchesPerEpoch(), rows -> new float[rows.length * CLASSES], position);
  }

  private static Exchange mutual() {
    return new Exchange("s", Topology.mutual(List.of("a", "s")), TeacherWeighting.NONE);
  }

  @Test
  void withoutLookaheadAStepSendsItsOwnForwardPassesPredictionsAndTrainsOnItsTeachers() {
    Exchange exchange = mutual();
    LockStep step = lockStep(exchange, 0);
    step.beforeStep(0);
    assertEquals(List.of(), outbox.sent, "nothing before the forward pass");
    exchange.predictionsFrom("a", 0, 0, TEACHERS, Double.NaN);

    float[] target = step.target(0, ONE_ROW_OF_CLASS_0, CLASSES, OWN).values();

    assertEquals(List.of(0L), outbox.batchesSent());
    assertSame(OWN, outbox.sent.get(0).softened(), "the step's own softened logits, not a second pass");
    assertEquals(0, outbox.sent.get(0).modelStep());
    assertArrayEquals(TEACHERS, target, 1e-6f);
  }

  @Test
  void withLookaheadTheFirstStepPrimesTheBatchesUpToDAndEachLaterStepSendsTheBatchDAheadNonePastTheEnd() {
    Exchange exchange = mutual();
    LockStep step = lockStep(exchange, 2);
    step.beforeStep(0);
    assertEquals(List.of(0L, 1L, 2L), outbox.batchesSent());
    exchange.predictionsFrom("a", 0, 0, TEACHERS, Double.NaN);
    step.target(0, ONE_ROW_OF_CLASS_0, CLASSES, OWN);
    assertEquals(3, outbox.sent.size(), "with lookahead nothing is sent from inside the step");
    position.stepTaken();

    step.beforeStep(1);
    assertEquals(List.of(0L, 1L, 2L, 3L), outbox.batchesSent());
    assertEquals(1, outbox.sent.get(3).modelStep(), "computed by the model as it is at step 1");
    step.beforeStep(5);
    step.beforeStep(6);
    step.beforeStep(7);
    assertEquals(List.of(0L, 1L, 2L, 3L, 7L), outbox.batchesSent(), "the run ends at step 7");
  }

  @Test
  void aKdTeacherTrainingAloneSendsNothing() {
    Exchange teacher = new Exchange("t", Topology.teacher(List.of("t", "s")), TeacherWeighting.NONE);
    position.startAsKdTeacher();
    lockStep(teacher, 0).target(0, ONE_ROW_OF_CLASS_0, CLASSES, OWN);
    LockStep ahead = lockStep(teacher, 1);
    ahead.beforeStep(0);
    ahead.target(0, ONE_ROW_OF_CLASS_0, CLASSES, OWN);
    assertTrue(outbox.sent.isEmpty());
  }
}
