package dev.cohort.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.protocol.PeerReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the coordinator makes of the peers' reports: position, finish, the best peer, reports told again. */
class PeerResultsTest {

  private final PeerResults results = new PeerResults(List.of("a", "b", "t"));

  private static PeerReport.Builder report(String peer, int epoch, long trainedThrough) {
    return PeerReport.newBuilder().setRunId("r").setPeer(peer).setEpoch(epoch).setTrainedThrough(trainedThrough);
  }

  private static PeerReport epochEnd(String peer, int epoch, long trainedThrough, double valAccuracy) {
    return report(peer, epoch, trainedThrough).setEpochEnd(true).setValAccuracy(valAccuracy).build();
  }

  @Test
  void anEpochEndToldAgainIsRecognisedAndChangesNothing() {
    assertEquals(PeerResults.Kind.STEP, results.add(report("a", 1, 40).build()));
    assertEquals(PeerResults.Kind.EPOCH_END, results.add(epochEnd("a", 1, 99, 0.7)));
    assertEquals(PeerResults.Kind.TOLD_AGAIN, results.add(epochEnd("a", 1, 99, 0.1)));
    assertEquals(0.7, results.epochEnd("a").getValAccuracy(), 1e-12, "the first telling stands");
    assertEquals(PeerResults.Kind.TEACHER, results.add(report("t", 1, 99).setPretraining(true).setEpochEnd(true).build()));
    assertEquals(null, results.epochEnd("t"), "a teacher's own training is not an epoch of the run");
  }

  @Test
  void theCohortsPositionIsItsLeastAdvancedTrainingPeer() {
    assertEquals(-1, results.position(p -> true), "nobody has reported");
    results.add(report("a", 1, 40).build());
    results.add(report("b", 1, 25).build());
    results.add(report("b", 1, 20).build()); // an older report, arriving late
    results.add(report("t", 1, 7).setFrozen(true).build());
    assertEquals(26, results.position(p -> true), "b trained through 25; the frozen teacher does not count");
    assertEquals(41, results.position(p -> !p.equals("b")), "without b");
    assertEquals(41, results.nextBatch("a"));
    assertEquals(0, results.nextBatch("zz"));
  }

  @Test
  void theBestPeerHasTheHighestValidationAccuracyAndIsNeverAFrozenTeacher() {
    results.add(epochEnd("a", 3, 299, 0.81));
    results.add(epochEnd("b", 3, 299, 0.84));
    results.add(report("t", 3, 299).setEpochEnd(true).setValAccuracy(0.90).setFrozen(true).build());
    assertEquals("b", results.best(List.of("a", "b", "t")));
    assertEquals("a", results.best(List.of("a", "t")));
  }

  @Test
  void aPeerHasFinishedWhenItsLastEpochEndSaysSo() {
    assertFalse(results.isFinished("a"));
    results.add(epochEnd("a", 1, 99, 0.5));
    assertFalse(results.isFinished("a"));
    results.add(report("a", 2, 199).setEpochEnd(true).setFinished(true).build());
    assertTrue(results.isFinished("a"));
  }

  @Test
  void aCoordinatorThatTakesOverStartsFromTheRunDirectorysEpochEnds() {
    results.restore(List.of(epochEnd("a", 2, 199, 0.6), epochEnd("b", 2, 199, 0.65)));
    assertEquals(200, results.position(p -> true));
    assertEquals(PeerResults.Kind.TOLD_AGAIN, results.add(epochEnd("b", 2, 199, 0.65)), "heard again from b");
    assertEquals(PeerResults.Kind.EPOCH_END, results.add(epochEnd("b", 3, 299, 0.7)));
  }
}
