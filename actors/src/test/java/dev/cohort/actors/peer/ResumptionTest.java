package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.model.nn.Checkpoints;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResumptionTest {

  private static final Checkpoints.State MID_EPOCH_2 = new Checkpoints.State(25, 24, 1, 5, false, false);

  @Test
  void withoutARejoinBatchAPeerContinuesExactlyWhereItsCheckpointStood() {
    assertEquals(MID_EPOCH_2, Resumption.resume(Optional.of(MID_EPOCH_2), -1, 20));
    assertEquals(Resumption.START, Resumption.resume(Optional.empty(), -1, 20));
  }

  @Test
  void aRejoiningPeerTakesItsCohortsPositionAsItsStepAndSkipsTheBatchesBetween() {
    // Checkpoint at step 25; the cohort has reached batch 47 = epoch 3 (0-based 2), batch 7.
    assertEquals(new Checkpoints.State(47, 46, 2, 7, false, false), Resumption.resume(Optional.of(MID_EPOCH_2), 47, 20));
    assertEquals(new Checkpoints.State(40, 39, 2, 0, false, false), Resumption.resume(Optional.empty(), 40, 20),
        "no checkpoint yet: initial weights, at the cohort's position");
  }

  @Test
  void aFrozenTeacherKeepsItsStepAndAKdTeacherStillTrainingAloneKeepsItsCheckpoint() {
    Checkpoints.State frozen = new Checkpoints.State(300, -1, 0, 0, false, true);
    assertEquals(new Checkpoints.State(300, 46, 2, 7, false, true), Resumption.resume(Optional.of(frozen), 47, 20));
    Checkpoints.State pretraining = new Checkpoints.State(30, 29, 1, 10, true, false);
    assertEquals(pretraining, Resumption.resume(Optional.of(pretraining), 47, 20));
  }
}
