package dev.cohort.model.nn;

import dev.cohort.model.Matrices;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.distill.StepTarget;
import dev.cohort.model.io.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * One peer's network and the operations a trainer needs: logits for a batch, one distillation
 * step, evaluation and saving. Not thread-safe: ND4J work on a network must stay on one thread.
 */
public final class PeerNetwork {

  /** Rows per forward pass when evaluating a whole split. */

  private final MultiLayerNetwork network;
  private DistillationLoss loss;
  private final String architecture;
  /** The hand-written step of an all-dense network; null where DL4J's fit trains it. */
  private final DenseStep dense;
  private final String stepPath;

  public PeerNetwork(MultiLayerNetwork network, DistillationLoss loss, String architecture) {
    this(network, loss, architecture, StepEngine.COHORT);
  }

  public PeerNetwork(MultiLayerNetwork network, DistillationLoss loss, String architecture, StepEngine engine) {
    this.network = network;
    this.loss = loss;
    this.architecture = architecture;
    this.dense = engine == StepEngine.COHORT ? DenseStep.of(network).orElse(null) : null;
    if (dense != null) {
      this.stepPath = "dense step (ND4J GEMM, Java Adam)";
    } else if (engine == StepEngine.COHORT) {
      // Convolutions keep their forward output for the backward pass instead of recomputing it
      // (DL4J's default, CacheMode.NONE, runs every convolution's forward pass twice per step).
      network.getLayerWiseConfigurations().setCacheMode(CacheMode.DEVICE);
      network.setCacheMode(CacheMode.DEVICE);
      int oneDnnLayers = OneDnnHelpers.engage(network);
      this.stepPath = "DL4J fit, forward cached" + (oneDnnLayers > 0 ? ", oneDNN in " + oneDnnLayers + " layers" : "");
    } else {
      this.stepPath = "DL4J fit";
    }
  }

  public static PeerNetwork of(NetworkPreset preset, long seed, double learningRate, DistillationLoss loss) {
    return of(preset, seed, learningRate, loss, StepEngine.COHORT);
  }

  public static PeerNetwork of(
      NetworkPreset preset, long seed, double learningRate, DistillationLoss loss, StepEngine engine) {
    return new PeerNetwork(preset.build(seed, learningRate, loss), loss, preset.describe(), engine);
  }

  /** What runs this network's training step, in words (e.g. for a benchmark's table). */
  public String stepPath() {
    return stepPath;
  }

  public String architecture() {
    return architecture;
  }

  public long parameterCount() {
    return network.numParams();
  }

  /**
   * The input the network takes: {@code [features]} for an MLP, {@code [height, width, channels]}
   * for a CNN (which reads flat rows of height × width × channels values).
   */
  public java.util.List<Integer> inputShape() {
    var first = network.getLayerWiseConfigurations().getInputPreProcess(0);
    if (first instanceof org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor cnn) {
      return java.util.List.of((int) cnn.getInputHeight(), (int) cnn.getInputWidth(), (int) cnn.getNumChannels());
    }
    var layer = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) network.getLayerWiseConfigurations().getConf(0).getLayer();
    return java.util.List.of((int) layer.getNIn());
  }

  /** Values per input row. */
  public int inputSize() {
    return inputShape().stream().reduce(1, (a, b) -> a * b);
  }

  /** Classes of the output layer. */
  public int classes() {
    return (int) outputLayerConfiguration(network).getNOut();
  }

  public DistillationLoss loss() {
    return loss;
  }

  /**
   * Sets the distillation weight λ of the loss for the next steps (a λ ramp-up changes it step by
   * step). The loss stays immutable: the output layer gets a new one.
   */
  public void distillationWeight(double lambda) {
    if (lambda == loss.lambda()) {
      return;
    }
    loss = new DistillationLoss(lambda, loss.temperature());
    outputLayerConfiguration(network).setLossFn(loss);
    ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer) network.getOutputLayer().conf().getLayer()).setLossFn(loss);
  }

  /** Adam's learning rate now (every layer has the same). */
  public double learningRate() {
    return ((Adam) outputLayerConfiguration(network).getIUpdater()).getLearningRate();
  }

  /**
   * Sets Adam's learning rate for the next steps (a schedule lowers it epoch by epoch); the
   * moments and the step count stay. DL4J's updater reads the rate from the layers' Adam
   * configuration at every update, so the configuration is changed in place (both the network's
   * configuration and each layer's own, as {@link #distillationWeight} does), and the updater state,
   * which {@link DenseStep} writes into, is kept rather than rebuilt as {@code setLearningRate} would.
   */
  public void learningRate(double rate) {
    if (!(rate > 0 && Double.isFinite(rate))) {
      throw new IllegalArgumentException("learning rate must be positive, found " + rate);
    }
    if (rate == learningRate()) {
      return;
    }
    for (int l = 0; l < network.getnLayers(); l++) {
      setRate(network.getLayerWiseConfigurations().getConf(l).getLayer(), rate);
      setRate(network.getLayer(l).conf().getLayer(), rate);
    }
    if (dense != null) {
      dense.learningRate(rate);
    }
  }

  private static void setRate(org.deeplearning4j.nn.conf.layers.Layer layer, double rate) {
    if (layer instanceof org.deeplearning4j.nn.conf.layers.BaseLayer base) {
      for (IUpdater updater : new IUpdater[] {base.getIUpdater(), base.getBiasUpdater()}) {
        if (updater != null) {
          updater.setLrAndSchedule(rate, null);
        }
      }
    }
  }

  private static org.deeplearning4j.nn.conf.layers.BaseOutputLayer outputLayerConfiguration(MultiLayerNetwork network) {
    return (org.deeplearning4j.nn.conf.layers.BaseOutputLayer)
        network.getLayerWiseConfigurations().getConf(network.getnLayers() - 1).getLayer();
  }

  /** Inference-mode logits z for {@code features}, row-major (rows × classes). */
  public float[] logitValues(INDArray features) {
    return dense != null ? dense.logits(features) : Matrices.rowMajorFloats(network.output(features, false));
  }

  /** Inference-mode logits z for {@code features}. */
  public INDArray logits(INDArray features) {
    if (dense != null) {
      return Nd4j.create(dense.logits(features), new long[] {features.size(0), classes()}, DataType.FLOAT);
    }
    return network.output(features, false);
  }

  /** One optimizer step on labels {@code [one-hot | target]}. */
  public void train(INDArray features, INDArray labels) {
    if (dense == null) {
      network.fit(features, labels);
      return;
    }
    int rows = (int) features.size(0);
    int classes = classes();
    if (labels.rank() != 2 || labels.size(0) != rows || labels.size(1) != 2L * classes) {
      throw new IllegalArgumentException("DistillationLoss expects labels [one-hot | target] of shape ["
          + rows + ", " + 2 * classes + "] for " + classes + " classes, found "
          + java.util.Arrays.toString(labels.shape()));
    }
    float[] logits = dense.forward(features);
    dense.backward(rows, loss.logitGradient(logits, Matrices.rowMajorFloats(labels), rows, classes, 1.0 / rows));
  }

  /**
   * One optimizer step on {@code features} with one forward pass: once it has the logits, {@code
   * fill} returns the target (a peer sends its own predictions and collects its teachers' there),
   * and the backward pass uses {@code [one-hot | target]}. Parameters end exactly as after {@link
   * #train(INDArray, INDArray)} with that target given up front.
   *
   * @return the step's logits (before the update) and the labels it trained on
   */
  public Step train(INDArray features, int[] classIndices, DistillationLoss.TargetFill fill) {
    int classes = classes();
    if (dense != null) {
      return denseTrain(features, classIndices, fill, classes);
    }
    INDArray labels = SoftTargets.labels(classIndices, new float[classIndices.length * classes], classes);
    float[][] logits = new float[1][];
    StepTarget[] target = new StepTarget[1];
    DistillationLoss live = liveLoss();
    live.fillNextTarget((z, rows, c) -> {
      logits[0] = z;
      target[0] = fill.target(z, rows, c);
      return target[0];
    });
    try {
      network.fit(features, labels);
    } finally {
      live.fillNextTarget(null);
    }
    if (logits[0] == null) {
      throw new IllegalStateException("the training step never computed the loss gradient of " + architecture);
    }
    return new Step(logits[0], classIndices, target[0], classes);
  }

  private Step denseTrain(INDArray features, int[] classIndices, DistillationLoss.TargetFill fill, int classes) {
    int rows = classIndices.length;
    if (features.size(0) != rows) {
      throw new IllegalArgumentException(features.size(0) + " feature rows but " + rows + " labels");
    }
    float[] logits = dense.forward(features).clone();
    StepTarget target = fill.target(logits.clone(), rows, classes);
    DistillationLoss.checkTarget(target.target(), rows, classes);
    float[] labels = SoftTargets.labelValues(classIndices, target, classes);
    dense.backward(rows, loss.logitGradient(logits, labels, rows, classes, 1.0 / rows));
    return new Step(logits, classIndices, target, classes);
  }

  /**
   * What one training step saw: its logits z (before the update) and its target t (with its
   * labels' weights), row-major, rows × classes, and the class of each row. Flat arrays, because a
   * peer reads them every step and an INDArray costs an off-heap allocation each time.
   */
  public record Step(float[] logitValues, int[] classIndices, StepTarget target, int classes) {
    public int rows() {
      return classIndices.length;
    }

    /** The logits as a rows × classes array. */
    public INDArray logits() {
      return Nd4j.create(logitValues, new long[] {rows(), classes}, DataType.FLOAT);
    }

    /** The labels {@code [w·one-hot | target]} as a rows × 2·classes array. */
    public INDArray labels() {
      return Nd4j.create(labelValues(), new long[] {rows(), 2L * classes}, DataType.FLOAT);
    }

    /** The labels {@code [w·one-hot | target]}, row-major. */
    public float[] labelValues() {
      return SoftTargets.labelValues(classIndices, target, classes);
    }
  }

  /** The loss object the running output layer uses (its configuration may hold a copy of ours). */
  private DistillationLoss liveLoss() {
    return (DistillationLoss)
        ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer) network.getOutputLayer().conf().getLayer()).getLossFn();
  }

  /** Whether every parameter is a finite number (a diverged network's are not). */
  public boolean isFinite() {
    INDArray params = network.params();
    return !params.isNaN().any() && !params.isInfinite().any();
  }

  /** The network's parameters, flattened (a copy). */
  public INDArray parameters() {
    return network.params().dup();
  }

  /** Accuracy, mean cross-entropy and the class probabilities on {@code data}. */
  public Evaluation evaluate(LabeledData data) {
    return SplitEvaluation.of(this::logits, data);
  }

  /** Accuracy and loss of a model on a split, and its class probabilities (rows × classes, row-major). */
  public record Evaluation(double accuracy, double crossEntropy, int examples, float[] probabilities) {}

  /** Counts rows whose largest logit is the true class; {@code logits} row-major, rows × classes. */
  public static int correct(float[] logits, int[] labels, int classes) {
    int correct = 0;
    for (int r = 0; r < labels.length; r++) {
      if (SoftTargets.argMax(logits, r * classes, classes) == labels[r]) {
        correct++;
      }
    }
    return correct;
  }

  /** Counts rows whose largest logit is the true class. */
  public static int correct(INDArray logits, int[] labels) {
    return correct(Matrices.rowMajorFloats(logits), labels, (int) logits.size(1));
  }

  /** Saves the model and its updater state atomically as a DL4J model zip. */
  public void save(Path file) throws IOException {
    if (dense != null) {
      dense.flush();
    }
    AtomicFiles.write(file, out -> ModelSerializer.writeModel(network, out, true));
  }

  /** Loads a model zip written by {@link #save}. */
  public static PeerNetwork load(Path file, String architecture) throws IOException {
    return load(file, architecture, StepEngine.COHORT);
  }

  /** Loads a model zip written by {@link #save}, to be trained from now on by {@code engine}. */
  public static PeerNetwork load(Path file, String architecture, StepEngine engine) throws IOException {
    MultiLayerNetwork network = restore(file);
    return new PeerNetwork(network, (DistillationLoss) outputLayerConfiguration(network).getLossFn(), architecture, engine);
  }

  /**
   * The loss's class name that model zips written before the model had sub-packages carry in
   * their configuration (DL4J names a custom loss by its class); such a zip still loads.
   */
  static final String EARLIER_LOSS_CLASS = "dev.cohort.model.DistillationLoss";

  private static MultiLayerNetwork restore(Path file) throws IOException {
    byte[] configuration;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry entry = zip.getEntry(CONFIGURATION);
      if (entry == null) {
        throw new IOException(file + " is no model zip: it has no " + CONFIGURATION);
      }
      configuration = zip.getInputStream(entry).readAllBytes();
    }
    String json = new String(configuration, StandardCharsets.UTF_8);
    if (!json.contains('"' + EARLIER_LOSS_CLASS + '"')) {
      return ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true);
    }
    String renamed = json.replace('"' + EARLIER_LOSS_CLASS + '"', '"' + DistillationLoss.class.getName() + '"');
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    try (ZipFile zip = new ZipFile(file.toFile()); ZipOutputStream out = new ZipOutputStream(copy)) {
      for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
        out.putNextEntry(new ZipEntry(entry.getName()));
        if (entry.getName().equals(CONFIGURATION)) {
          out.write(renamed.getBytes(StandardCharsets.UTF_8));
        } else {
          zip.getInputStream(entry).transferTo(out);
        }
        out.closeEntry();
      }
    }
    return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(copy.toByteArray()), true);
  }

  private static final String CONFIGURATION = "configuration.json";
}
