package dev.cohort.model.nn;

import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.SoftTargets;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Offline distillation of a trained cohort into one fresh student: the target of every training
 * example is the average of the teachers' softmax(z/T), and the student trains on {@code [one-hot
 * | that average]} through its own {@link dev.cohort.model.distill.DistillationLoss} (its λ and T)
 * on a deterministic batch schedule. Nothing is exchanged: every teacher is here, frozen.
 */
public final class Fusion {

  /** Rows per forward pass of a teacher. */
  private static final int CHUNK = 1000;

  private final float[] targets;
  private final LabeledData train;

  private Fusion(float[] targets, LabeledData train) {
    this.targets = targets;
    this.train = train;
  }

  /** The teachers' averaged softmax(z / T) on every example of {@code train}, computed once. */
  public static Fusion of(List<PeerNetwork> teachers, LabeledData train, double temperature) {
    if (teachers.isEmpty()) {
      throw new IllegalArgumentException("fusing needs at least one teacher");
    }
    int classes = train.classes();
    float[] sum = new float[train.size() * classes];
    int[] all = train.allRows();
    for (PeerNetwork teacher : teachers) {
      for (int from = 0; from < all.length; from += CHUNK) {
        int[] rows = Arrays.copyOfRange(all, from, Math.min(all.length, from + CHUNK));
        float[] softened = SoftTargets.soften(teacher.logits(train.features(rows)), temperature);
        for (int i = 0; i < softened.length; i++) {
          sum[from * classes + i] += softened[i] / teachers.size();
        }
      }
    }
    return new Fusion(sum, train);
  }

  /**
   * Trains {@code student} for {@code epochs} on the averaged targets, batches of {@code batchSize}
   * shuffled from {@code seed}; {@code epochDone} hears each finished epoch (from 1).
   */
  public void train(PeerNetwork student, int batchSize, long seed, int epochs, IntConsumer epochDone) {
    int classes = train.classes();
    BatchSchedule schedule = new BatchSchedule(train.size(), batchSize, seed);
    for (int epoch = 0; epoch < epochs; epoch++) {
      for (int b = 0; b < schedule.batchesPerEpoch(); b++) {
        int[] rows = schedule.batch(epoch, b);
        float[] target = new float[rows.length * classes];
        for (int r = 0; r < rows.length; r++) {
          System.arraycopy(targets, rows[r] * classes, target, r * classes, classes);
        }
        student.train(train.features(rows), SoftTargets.labels(train.labels(rows), target, classes));
      }
      epochDone.accept(epoch + 1);
    }
  }
}
