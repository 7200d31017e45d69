package dev.cohort.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.data.LabeledData;
import dev.cohort.model.data.SyntheticData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Offline distillation of frozen teachers into a fresh student. */
class FusionTest {

  private static final LabeledData DATA = SyntheticData.gaussianClusters(400, 8, 3, 0.3, 11);
  private static final double T = 2.0;

  private static PeerNetwork network(long seed, double lambda) {
    return PeerNetwork.of(new MlpPreset(8, List.of(16), 3), seed, 0.01, new DistillationLoss(lambda, T));
  }

  @Test
  void aStudentWithOnlyTheDistillationTermLearnsTheTeachersAverageAtT() {
    PeerNetwork a = network(1, 0);
    PeerNetwork b = network(2, 0);
    // a learns the clusters (confident), b stays as it was made (nearly uniform): their average is
    // neither of them.
    Fusion.of(List.of(b), DATA, T).train(a, 32, 5, 5, epoch -> { });
    Fusion fusion = Fusion.of(List.of(a, b), DATA, T);
    // Pure distillation would need λ alone; a large λ makes the KL term dominate the CE term.
    PeerNetwork student = network(3, 50);
    int[] rows = {0, 1, 2, 3};
    float[] average = new float[rows.length * 3];
    float[] fromA = SoftTargets.soften(a.logits(DATA.features(rows)), T);
    float[] fromB = SoftTargets.soften(b.logits(DATA.features(rows)), T);
    for (int i = 0; i < average.length; i++) {
      average[i] = (fromA[i] + fromB[i]) / 2;
    }
    double before = distance(SoftTargets.soften(student.logits(DATA.features(rows)), T), average);
    int[] epochs = {0};
    fusion.train(student, 32, 7, 20, epoch -> epochs[0] = epoch);
    double after = distance(SoftTargets.soften(student.logits(DATA.features(rows)), T), average);
    assertEquals(20, epochs[0], "every epoch is told");
    assertTrue(after < before / 4, "the student moved towards the teachers' average at T: " + before + " -> " + after);
    assertTrue(after < distance(average, fromA) / 2 && after < distance(average, fromB) / 2,
        "closer to the average than either teacher is: " + after + " vs " + distance(average, fromA) + ", "
            + distance(average, fromB));
  }

  private static double distance(float[] p, float[] q) {
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      sum += Math.abs(p[i] - q[i]);
    }
    return sum;
  }
}
