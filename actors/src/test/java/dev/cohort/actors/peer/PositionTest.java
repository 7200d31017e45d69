package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.nn.Checkpoints;
import org.junit.jupiter.api.Test;

/** Where a peer stands through its epochs and phases. */
class PositionTest {

  @Test
  void aPeerFinishesWithItsLastEpochAndEachCheckpointRecordsWhereItStands() {
    Position position = new Position(Resumption.START, 2, 0);
    position.stepTaken();
    position.trainedThrough(0);
    assertEquals(new Checkpoints.State(1, 0, 0, 1, false, false), position.state());
    assertEquals(Position.EpochEnd.GOES_ON, position.endEpoch());
    assertEquals(new Checkpoints.State(1, 0, 1, 0, false, false), position.state(), "the next epoch, from its start");
    assertFalse(position.finished());
    assertEquals(Position.EpochEnd.FINISHES, position.endEpoch());
    assertTrue(position.finished());
  }

  @Test
  void aKdTeacherTrainsItsOwnEpochsIsFrozenThenServesItsStudentsEpochsFromTheFirst() {
    Position teacher = new Position(Resumption.START, 2, 3);
    teacher.startAsKdTeacher();
    assertEquals(Position.EpochEnd.GOES_ON, teacher.endEpoch());
    assertEquals(Position.EpochEnd.GOES_ON, teacher.endEpoch());
    assertFalse(teacher.frozen());
    assertEquals(Position.EpochEnd.FREEZES, teacher.endEpoch());
    assertTrue(teacher.frozen());
    assertEquals(new Checkpoints.State(0, -1, 0, 0, false, true), teacher.frozenState(),
        "its last own checkpoint is read back as frozen, serving from the first batch");
    teacher.startServing();
    assertEquals(0, teacher.epoch());
    assertFalse(teacher.pretraining());
    assertEquals(Position.EpochEnd.GOES_ON, teacher.endEpoch());
    assertEquals(Position.EpochEnd.FINISHES, teacher.endEpoch(), "its students' two epochs");
  }

  @Test
  void aPeerResumedFromItsLastEpochsCheckpointHasNothingLeftToTrain() {
    assertTrue(new Position(new Checkpoints.State(40, 39, 2, 0, false, false), 2, 0).pastLastEpoch());
    assertFalse(new Position(new Checkpoints.State(40, 39, 2, 0, true, false), 2, 3).pastLastEpoch(),
        "a KD teacher's own epochs are not its students'");
  }
}
