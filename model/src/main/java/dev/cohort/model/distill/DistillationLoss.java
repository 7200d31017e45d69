package dev.cohort.model.distill;

import dev.cohort.model.Matrices;
import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The distillation loss {@code CE(y, p) + λ·T²·KL(t ‖ p^T)} for one output layer of C logits.
 *
 * <p>Labels are {@code [y | t]}, 2C columns: the one-hot class {@code y} and the target
 * distribution {@code t} that the teachers agreed on (already softened at temperature T). {@code p
 * = softmax(z)} and {@code p^T = softmax(z / T)}. The KL runs from the target to the student,
 * {@code Σ t·(log t − log p^T)}, as in Hinton et al. and DML: the student is pulled towards the
 * teachers' distribution and the teachers' outputs are constants. The T² factor keeps the
 * gradient of the soft term on the same scale as the CE term when T changes, because
 * {@code ∂/∂z KL(t ‖ softmax(z/T)) = (p^T − t)/T}; the total gradient is {@code (p − y) + λ·T·(p^T − t)}.
 *
 * <p>A target row of all zeros means "no teacher answered for this example": it adds neither
 * loss nor gradient, so a step without teachers is exactly a cross-entropy step. A row's one-hot
 * scaled by w counts its cross-entropy w times, and a target row scaled by w its distillation term
 * w times (0: not at all): how small-loss selection trains on the rows it keeps ({@link StepTarget}).
 *
 * <p>Use it on an {@code OutputLayer} with {@code Activation.IDENTITY} and nOut = C.
 */
public final class DistillationLoss implements ILossFunction {

  private static final long serialVersionUID = 1L;

  private final double lambda;
  private final double temperature;

  /** Supplies the target of the step in progress once its forward pass is done; then cleared. */
  @JsonIgnore private transient TargetFill pendingFill;

  /**
   * A step's target, computed from the logits of the step's own forward pass: what lets a peer
   * send its predictions and collect its teachers' between the forward and the backward pass of
   * one training step, instead of running a second forward pass for them.
   */
  @FunctionalInterface
  public interface TargetFill {
    /**
     * @param logits the step's logits z, rows × classes, row-major (before the update)
     * @return the target t, rows × classes, row-major (rows of zeros where no teacher answered),
     *     with the weight of each row's label
     */
    StepTarget target(float[] logits, int rows, int classes);
  }

  @JsonCreator
  public DistillationLoss(
      @JsonProperty("lambda") double lambda, @JsonProperty("temperature") double temperature) {
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("distillation weight λ must be finite and >= 0, found " + lambda);
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature T must be finite and > 0, found " + temperature);
    }
    this.lambda = lambda;
    this.temperature = temperature;
  }

  @JsonProperty("lambda")
  public double lambda() {
    return lambda;
  }

  @JsonProperty("temperature")
  public double temperature() {
    return temperature;
  }

  /** The per-example loss split into its two parts, averaged over the rows. */
  public record Parts(double crossEntropy, double distillation) {
    public double total() {
      return crossEntropy + distillation;
    }
  }

  /** Mean CE and KD parts of the loss for {@code logits} against {@code labels} {@code [y | t]}. */
  public Parts parts(INDArray logits, INDArray labels) {
    return parts(new DistillationRows(lambda, temperature, labels, logits));
  }

  /** The same from flat row-major arrays: logits rows × classes, labels rows × 2·classes. */
  public Parts parts(float[] logits, float[] labels, int rows, int classes) {
    checkShapes(logits, labels, rows, classes);
    return parts(new DistillationRows(lambda, temperature, doubles(labels), doubles(logits), rows, classes));
  }

  private static void checkShapes(float[] logits, float[] labels, int rows, int classes) {
    if (logits.length != rows * classes || labels.length != 2 * rows * classes) {
      throw new IllegalArgumentException("DistillationLoss expects " + rows + " x " + classes + " logits and "
          + rows + " x " + 2 * classes + " labels, found " + logits.length + " and " + labels.length + " values");
    }
  }

  private static double[] doubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  private Parts parts(DistillationRows rows) {
    double ce = 0;
    double kd = 0;
    for (int r = 0; r < rows.n; r++) {
      ce += rows.crossEntropy(r);
      kd += rows.distillation(r);
    }
    return new Parts(ce / rows.n, kd / rows.n);
  }

  @Override
  public double computeScore(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
    return score(rows(labels, preOutput, activationFn), preOutput, mask, average);
  }

  @Override
  public INDArray computeScoreArray(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    return scoreArray(rows(labels, preOutput, activationFn), preOutput, mask);
  }

  @Override
  public INDArray computeGradient(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    return gradient(rows(labels, preOutput, activationFn), preOutput, activationFn, mask);
  }

  /** What a training step asks for: the row math done once for both. */
  @Override
  public Pair<Double, INDArray> computeGradientAndScore(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
    DistillationRows rows = rows(labels, preOutput, activationFn);
    return Pair.of(score(rows, preOutput, mask, average), gradient(rows, preOutput, activationFn, mask));
  }

  /**
   * The gradient with respect to the logits, {@code (p − y) + λ·T·(p^T − t)} per row, for a step
   * taken outside DL4J's {@code fit} ({@link dev.cohort.model.nn.DenseStep}): the same row math as {@link
   * #computeGradient}, on flat arrays.
   *
   * @param logits z, rows × classes, row-major
   * @param labels {@code [y | t]}, rows × 2·classes, row-major
   * @param scale multiplies every value (a step's 1/rows, the mean over the batch)
   */
  public float[] logitGradient(float[] logits, float[] labels, int rows, int classes, double scale) {
    checkShapes(logits, labels, rows, classes);
    DistillationRows math = new DistillationRows(lambda, temperature, doubles(labels), doubles(logits), rows, classes);
    double[] gradient = new double[rows * classes];
    for (int r = 0; r < rows; r++) {
      math.gradient(r, gradient);
    }
    float[] out = new float[gradient.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (gradient[i] * scale);
    }
    return out;
  }

  /**
   * Makes the next gradient computation ask {@code fill} for the target columns of its labels
   * (which it writes into them) before anything else; {@code null} cancels. Used by {@link
   * PeerNetwork#train(INDArray, int[], TargetFill)} on the network's own thread.
   */
  public void fillNextTarget(TargetFill fill) {
    this.pendingFill = fill;
  }

  private DistillationRows rows(INDArray labels, INDArray preOutput, IActivation activationFn) {
    TargetFill fill = pendingFill;
    if (fill != null) {
      pendingFill = null;
      writeTarget(labels, fill.target(Matrices.rowMajorFloats(preOutput), (int) preOutput.size(0), (int) preOutput.size(1)));
    }
    return new DistillationRows(lambda, temperature, labels, activationFn.getActivation(preOutput.dup(), true));
  }

  private static void writeTarget(INDArray labels, StepTarget step) {
    long rows = labels.size(0);
    long classes = labels.size(1) / 2;
    checkTarget(step.target(), rows, classes);
    labels.get(NDArrayIndex.all(), NDArrayIndex.interval(classes, 2 * classes))
        .assign(Nd4j.create(step.target(), new long[] {rows, classes}, labels.dataType()));
    if (step.labelWeights() != null) {
      if (step.labelWeights().length != rows) {
        throw new IllegalArgumentException("label weights have " + step.labelWeights().length
            + " values, expected one per row (" + rows + ")");
      }
      labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, classes))
          .muliColumnVector(Nd4j.create(step.labelWeights(), new long[] {rows, 1}, labels.dataType()));
    }
  }

  /** Refuses a step's target that does not have one value per row and class, naming both sizes. */
  public static void checkTarget(float[] target, long rows, long classes) {
    if (target == null || target.length != rows * classes) {
      throw new IllegalArgumentException("target has " + (target == null ? "no" : String.valueOf(target.length))
          + " values, expected " + rows + " rows x " + classes + " classes");
    }
  }

  private static double score(DistillationRows rows, INDArray preOutput, INDArray mask, boolean average) {
    double sum = scoreArray(rows, preOutput, mask).sumNumber().doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  private static INDArray scoreArray(DistillationRows rows, INDArray preOutput, INDArray mask) {
    double[] scores = new double[rows.n];
    for (int r = 0; r < rows.n; r++) {
      scores[r] = rows.crossEntropy(r) + rows.distillation(r);
    }
    INDArray array = Nd4j.createFromArray(scores).reshape(rows.n, 1).castTo(preOutput.dataType());
    return applyMask(array, mask);
  }

  private static INDArray gradient(DistillationRows rows, INDArray preOutput, IActivation activationFn, INDArray mask) {
    double[] gradient = new double[rows.n * rows.classes];
    for (int r = 0; r < rows.n; r++) {
      rows.gradient(r, gradient);
    }
    INDArray dLdOutput = Matrices.matrix(gradient, rows.n, rows.classes, preOutput.dataType());
    INDArray dLdPreOutput = activationFn.backprop(preOutput.dup(), dLdOutput).getFirst();
    return applyMask(dLdPreOutput, mask);
  }

  private static INDArray applyMask(INDArray perRow, INDArray mask) {
    if (mask == null) {
      return perRow;
    }
    if (mask.rank() != 2 || mask.size(1) != 1) {
      throw new IllegalArgumentException(
          "DistillationLoss supports per-example masks of shape [n, 1] only, found "
              + java.util.Arrays.toString(mask.shape()));
    }
    return perRow.muliColumnVector(mask.castTo(perRow.dataType()));
  }

  @Override
  public String name() {
    return "DistillationLoss";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DistillationLoss other
        && other.lambda == lambda
        && other.temperature == temperature;
  }

  @Override
  public int hashCode() {
    return Objects.hash(lambda, temperature);
  }

  @Override
  public String toString() {
    return "DistillationLoss(λ=" + lambda + ", T=" + temperature + ")";
  }
}
