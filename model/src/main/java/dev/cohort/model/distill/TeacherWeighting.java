package dev.cohort.model.distill;

import java.util.List;

/**
 * How a student weighs each teacher's target beyond the link's fixed weight, on evidence of how the
 * teacher compares with the student. docs/RESULTS.md measures each: {@code validation} keeps the
 * gains of distillation under label noise where a teacher memorises the noise, {@code correction}
 * removes most of the loss the online TA chain's small student suffers at T = 3 on clean labels.
 */
public enum TeacherWeighting {
  /** Every link at its weight, always. */
  NONE,
  /**
   * A teacher counts only while its accuracy on the validation split at its last evaluation is at
   * least the student's at the student's last evaluation; before both have been evaluated, it
   * counts. The validation split is never trained on and its labels are never made noisy, so this
   * evidence holds under label noise: a teacher that memorises wrong labels falls behind its
   * student there and stops teaching it.
   */
  VALIDATION,
  /**
   * Per example: a teacher's target counts only on the examples that the teacher classifies as
   * labelled and the student does not; elsewhere the student trains on cross-entropy alone. The
   * student is pulled towards its teacher only to correct a mistake, never asked to copy the
   * teacher's whole distribution where it is already right. It trusts the training labels: with
   * noisy labels it teaches the noise (use {@link #VALIDATION} there).
   */
  CORRECTION,
  /**
   * {@link #VALIDATION}'s test per link, then per example: a teacher that counts teaches only on
   * the examples the student gets wrong by the training labels, whatever the teacher predicts
   * there. On clean labels that is help where the student fails; on noisy ones it is where the
   * student has not (yet) learnt a wrong label and its teachers' view of the example matters most.
   * The one setting that measured no loss for the TA chain's small student on clean labels and a
   * gain under label noise (docs/RESULTS.md), each smaller than the specialised settings'.
   */
  SELECTIVE;

  /** Whether the link test of {@link #VALIDATION} applies. */
  public boolean gatesOnValidation() {
    return this == VALIDATION || this == SELECTIVE;
  }

  /** Whether targets are chosen example by example. */
  public boolean perExample() {
    return this == CORRECTION || this == SELECTIVE;
  }

  /** Whether a teacher of validation accuracy {@code teacher} counts for a student of {@code student} (NaN: not evaluated yet). */
  public static boolean admits(double teacher, double student) {
    return Double.isNaN(teacher) || Double.isNaN(student) || teacher >= student;
  }

  /**
   * The per-example target ({@link #perExample()}): a row the student gets right by its label is
   * all zero, which the loss reads as "no distillation for this example"; on the others,
   * {@code Σ w_j q_j / Σ w_j} over the teachers j that count there (under {@link #CORRECTION} those
   * whose largest probability is on the label, under {@link #SELECTIVE} all), and the student's
   * own predictions with {@code selfWeight} when at least one teacher counts (a self-link says
   * something only next to another's).
   *
   * @param teachers each teacher's rows × classes softened predictions and link weight
   * @param student the student's own softened predictions, rows × classes
   * @param labels the rows' class labels
   */
  public float[] exampleTarget(
      List<SoftTargets.Weighted> teachers, float[] student, double selfWeight, int[] labels, int classes) {
    if (!perExample()) {
      throw new IllegalStateException(this + " does not choose targets example by example");
    }
    int rows = labels.length;
    if (student.length != rows * classes) {
      throw new IllegalArgumentException(
          "student rows have " + student.length + " values, expected " + rows + " x " + classes);
    }
    float[] out = new float[rows * classes];
    double[] sum = new double[classes];
    for (int r = 0; r < rows; r++) {
      int offset = r * classes;
      if (SoftTargets.argMax(student, offset, classes) == labels[r]) {
        continue;
      }
      java.util.Arrays.fill(sum, 0);
      double weight = 0;
      for (SoftTargets.Weighted teacher : teachers) {
        float[] q = teacher.rows();
        if (q.length != rows * classes) {
          throw new IllegalArgumentException("teacher rows have " + q.length + " values, expected " + rows * classes);
        }
        if (this == SELECTIVE || SoftTargets.argMax(q, offset, classes) == labels[r]) {
          for (int c = 0; c < classes; c++) {
            sum[c] += teacher.weight() * q[offset + c];
          }
          weight += teacher.weight();
        }
      }
      if (weight == 0) {
        continue;
      }
      if (selfWeight > 0) {
        for (int c = 0; c < classes; c++) {
          sum[c] += selfWeight * student[offset + c];
        }
        weight += selfWeight;
      }
      for (int c = 0; c < classes; c++) {
        out[offset + c] = (float) (sum[c] / weight);
      }
    }
    return out;
  }
}
