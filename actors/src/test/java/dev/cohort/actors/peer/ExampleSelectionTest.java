package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.distill.StepTarget;
import dev.cohort.model.nn.Checkpoints;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Which rows of a step a peer's small-loss selection keeps, and with what weights. */
class ExampleSelectionTest {

  private static final int CLASSES = 3;
  private static final int[] LABELS = {0, 1, 2, 0};
  /** The student's own logits: it finds rows 0 and 1 easy, rows 2 and 3 hard. */
  private static final float[] STUDENT = {6, 0, 0, 0, 6, 0, 6, 0, 0, 0, 6, 0};
  /** The teacher's softened predictions (T = 1): it finds rows 2 and 3 easy, rows 0 and 1 hard. */
  private static final float[] TEACHER = {
    0.05f, 0.9f, 0.05f,
    0.9f, 0.05f, 0.05f,
    0.05f, 0.05f, 0.9f,
    0.9f, 0.05f, 0.05f,
  };

  private static ExampleSelection selection(String method, String forgetRate, int rampEpochs, int epoch) {
    CohortSettings settings = SettingsParser.parse(ConfigFactory.parseString(
        "cohort.distillation { temperature = 1, selection { method = " + method + ", forget-rate = " + forgetRate
            + ", ramp-epochs = " + rampEpochs + " } }"));
    Position position = new Position(new Checkpoints.State(0, -1, epoch, 0, false, false), 30, 0);
    // apply() reads the settings and the position only; the network, data and schedule serve the estimate.
    return new ExampleSelection("b", settings.distillation(), position, null, null, null,
        LoggerFactory.getLogger(ExampleSelectionTest.class));
  }

  private static Exchange.Target target() {
    return new Exchange.Target(TEACHER.clone(), List.of(new SoftTargets.Weighted(TEACHER, 1.0)), 0, 0);
  }

  @Test
  void coTeachingKeepsTheRowsItsTeacherFindsSmallLossNotTheOnesTheStudentDoes() {
    StepTarget step = selection("co-teaching", "0.5", 0, 0).apply(target(), STUDENT, LABELS, CLASSES, 1.0);
    assertArrayEquals(new float[] {0, 0, 2, 2}, step.labelWeights(),
        "rows 2 and 3, the teacher's easy ones, at 4/2; the student's own easy rows 0 and 1 dropped");
    assertArrayEquals(TEACHER, step.target(), "co-teaching leaves the distillation term on every row");
  }

  @Test
  void jocorRanksByTheJointLossAndDropsTheWholeLossOfTheRowsItLeavesOut() {
    // The student now also gets row 3 right, as its teacher does. Joint loss (own CE + teacher's CE
    // + λ·symmetric KL): row 3 is easy for both (≈ 0.3); rows 0 and 1 are easy for the student alone
    // and tie (≈ 11.3); row 2, easy for the teacher alone, is the hardest (≈ 14.4): co-teaching kept it.
    float[] student = {6, 0, 0, 0, 6, 0, 6, 0, 0, 6, 0, 0};
    StepTarget step = selection("jocor", "0.5", 0, 0).apply(target(), student, LABELS, CLASSES, 1.0);
    assertArrayEquals(new float[] {2, 0, 0, 2}, step.labelWeights(), "rows 3 and 0 (a tie goes to the lower row)");
    for (int r = 0; r < LABELS.length; r++) {
      for (int c = 0; c < CLASSES; c++) {
        assertEquals(TEACHER[r * CLASSES + c] * step.labelWeights()[r], step.target()[r * CLASSES + c], 1e-6,
            "row " + r + ": the target is weighed like the label");
      }
    }
    assertArrayEquals(new float[] {0, 0, 2, 2},
        selection("co-teaching", "0.5", 0, 0).apply(target(), student, LABELS, CLASSES, 1.0).labelWeights(),
        "co-teaching, on the same step, goes by the teacher alone");
  }

  @Test
  void nothingIsLeftOutBeforeTheRampStartsWithoutTeachersOrBeforeAnAutoEstimate() {
    Exchange.Target target = target();
    StepTarget atStart = selection("co-teaching", "0.5", 10, 0).apply(target, STUDENT, LABELS, CLASSES, 1.0);
    assertNull(atStart.labelWeights(), "epoch 1 of a 10-epoch ramp: forget rate 0");
    assertSame(target.values(), atStart.target());
    ExampleSelection ramped = selection("co-teaching", "0.5", 10, 5);
    assertEquals(0.25, ramped.forgetRate(), 1e-12, "halfway up the ramp");
    StepTarget alone = selection("co-teaching", "0.5", 0, 3)
        .apply(Exchange.Target.none(12), STUDENT, LABELS, CLASSES, 1.0);
    assertNull(alone.labelWeights(), "no teacher answered: cross-entropy on every row");
    ExampleSelection auto = selection("co-teaching", "auto", 0, 4);
    assertEquals(0.0, auto.forgetRate(), "auto, before its estimate");
    assertNull(auto.apply(target, STUDENT, LABELS, CLASSES, 1.0).labelWeights());
    assertEquals(0.0, selection("none", "0.5", 0, 4).forgetRate(), "method none never leaves anything out");
  }
}
