package dev.cohort.model.nn;

import dev.cohort.model.distill.DistillationLoss;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The training step of an all-dense network (the MLP presets: ReLU layers, then linear logits
 * under the {@link DistillationLoss}, Adam) written against ND4J's GEMM, in place of DL4J's
 * {@code fit}. Same update, a third of the time: measured (docs/PERFORMANCE.md), DL4J's fit of a
 * 784-256-10 MLP spends its time on a libnd4j Adam op that costs ~9 ns per parameter, a second
 * forward GEMM per layer during backprop, the input gradient of the first layer (never used),
 * and per-op overhead (allocation, JNI, JavaCPP's memory accounting) around a dozen small ops.
 * Here the GEMMs stay in ND4J (OpenBLAS) on buffers allocated once per batch size, and what is
 * elementwise (bias, ReLU, its derivative, the bias gradients, Adam) runs in Java on heap copies,
 * where the JIT vectorises it.
 *
 * <p>The network stays the source of truth for checkpoints: parameters are written back into its
 * parameter view after every step and its iteration count advances as fit's would; the Adam
 * moments live on the heap and go back into its updater state on {@link #flush()}. Tests compare
 * parameters and moments with DL4J's fit after several steps.
 *
 * <p>CPU backend only (the Java part reads ND4J's host memory); {@link #of} answers empty for any
 * network it does not reproduce exactly, which then trains with fit.
 */
final class DenseStep {

  private static final int BUFFERED_BATCH_SIZES = 3;

  private final MultiLayerNetwork network;
  private final int layers;
  private final int[] widths; // widths[0] = inputs, widths[l + 1] = outputs of layer l
  private final INDArray[] weights; // views into the network's parameters, [in, out], 'f'
  private final INDArray[] weightGradients; // views into gradient, same shapes
  private final int[] biasOffsets;
  private final INDArray gradient; // off-heap, laid out like the network's parameters
  private final FloatPointer gradientMemory;
  private final FloatPointer parameterMemory;
  private final float[] parameters;
  private final float[] gradientCopy;
  private final DenseAdam adam;
  /** Per batch size: the training step's buffers, and separate ones for inference, so that an
   *  inference pass between a step's forward and backward pass (e.g. inside its target fill)
   *  cannot overwrite what the backward pass needs. */
  private final Map<Integer, Buffers> training = new LinkedHashMap<>(4, 0.75f, true);
  private final Map<Integer, Buffers> inference = new LinkedHashMap<>(4, 0.75f, true);

  private DenseStep(MultiLayerNetwork network, Adam adam) {
    this.network = network;
    this.layers = network.getnLayers();
    this.widths = new int[layers + 1];
    this.weights = new INDArray[layers];
    this.weightGradients = new INDArray[layers];
    this.biasOffsets = new int[layers];
    INDArray params = network.params();
    int length = (int) params.length();
    this.gradient = Nd4j.create(DataType.FLOAT, 1, length);
    long offset = 0;
    for (int l = 0; l < layers; l++) {
      INDArray w = network.getLayer(l).getParam("W");
      widths[l] = (int) w.size(0);
      widths[l + 1] = (int) w.size(1);
      weights[l] = w;
      weightGradients[l] = Nd4j.create(gradient.data(), w.shape(), w.stride(), offset, 'f', DataType.FLOAT);
      biasOffsets[l] = (int) (offset + w.length());
      offset += w.length() + widths[l + 1];
    }
    this.gradientMemory = memory(gradient);
    this.parameterMemory = memory(params);
    this.parameters = new float[length];
    parameterMemory.get(parameters);
    this.gradientCopy = new float[length];
    this.adam = new DenseAdam(adam, memory(network.getUpdater().getStateViewArray()), length);
  }

  /**
   * The step for {@code network} if it is one this class reproduces exactly (CPU backend, float
   * precision, dense ReLU layers without dropout, regularisation, weight noise or gradient
   * normalisation, identity logits, one Adam with a constant learning rate for every parameter),
   * else empty.
   */
  static Optional<DenseStep> of(MultiLayerNetwork network) {
    if (!"CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"))
        || network.params().dataType() != DataType.FLOAT
        || !network.getLayerWiseConfigurations().getInputPreProcessors().isEmpty()
        || network.getLayerWiseConfigurations().getBackpropType() != BackpropType.Standard
        || !network.conf().isMiniBatch()) {
      return Optional.empty();
    }
    Adam adam = null;
    long offset = 0;
    for (int l = 0; l < network.getnLayers(); l++) {
      Layer layer = network.getLayer(l);
      boolean last = l == network.getnLayers() - 1;
      Class<?> expected = last ? org.deeplearning4j.nn.layers.OutputLayer.class
          : org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer.class;
      if (layer.getClass() != expected || !(layer.conf().getLayer() instanceof BaseLayer conf)) {
        return Optional.empty();
      }
      boolean activationOk = last ? conf.getActivationFn() instanceof ActivationIdentity
          : conf.getActivationFn() instanceof ActivationReLU relu && isPlainRelu(relu);
      if (!activationOk
          || (last && !(((org.deeplearning4j.nn.conf.layers.OutputLayer) conf).getLossFn() instanceof DistillationLoss))
          || conf.getIDropout() != null
          || conf.getWeightNoise() != null
          || !conf.getRegularization().isEmpty()
          || !conf.getRegularizationBias().isEmpty()
          || (conf.getGradientNormalization() != null && conf.getGradientNormalization() != GradientNormalization.None)
          || !(conf.getIUpdater() instanceof Adam layerAdam)
          || !(conf.getBiasUpdater() == null || conf.getBiasUpdater().equals(layerAdam))
          || layerAdam.getLearningRateSchedule() != null
          || (adam != null && !adam.equals(layerAdam))) {
        return Optional.empty();
      }
      adam = layerAdam;
      INDArray w = layer.getParam("W");
      INDArray b = layer.getParam("b");
      if (w == null || b == null || layer.paramTable().size() != 2 || w.ordering() != 'f' || w.offset() != offset
          || b.offset() != offset + w.length() || b.length() != w.size(1)) {
        return Optional.empty();
      }
      offset += w.length() + b.length();
    }
    if (adam == null || offset != network.params().length()
        || network.getUpdater().getStateViewArray() == null
        || network.getUpdater().getStateViewArray().length() != 2 * offset) {
      return Optional.empty();
    }
    return Optional.of(new DenseStep(network, adam));
  }

  private static boolean isPlainRelu(ActivationReLU relu) {
    return relu.equals(new ActivationReLU());
  }

  /** Logits for {@code features} (inference), rows × classes, row-major. */
  float[] logits(INDArray features) {
    return pass(features, inference).activations[layers - 1].clone();
  }

  /**
   * The forward pass of a training step: logits, row-major. The next call must be {@link
   * #backward} with their gradient (or another forward pass, which abandons this step).
   */
  float[] forward(INDArray features) {
    return pass(features, training).activations[layers - 1];
  }

  private Buffers pass(INDArray features, Map<Integer, Buffers> buffers) {
    if (features.rank() != 2 || features.size(1) != widths[0]) {
      throw new IllegalArgumentException("expected features of shape [rows, " + widths[0] + "], found "
          + java.util.Arrays.toString(features.shape()));
    }
    INDArray input = features.dataType() == DataType.FLOAT ? features : features.castTo(DataType.FLOAT);
    Buffers batch = buffers(buffers, (int) features.size(0));
    batch.input = input;
    for (int l = 0; l < layers; l++) {
      Nd4j.gemm(l == 0 ? input : batch.output[l - 1], weights[l], batch.output[l], false, false, 1.0, 0.0);
      float[] a = batch.activations[l];
      batch.outputMemory[l].get(a);
      int width = widths[l + 1];
      int bias = biasOffsets[l];
      boolean hidden = l < layers - 1;
      for (int r = 0, i = 0; r < batch.rows; r++) {
        for (int c = 0; c < width; c++, i++) {
          float value = a[i] + parameters[bias + c];
          a[i] = hidden && value < 0 ? 0f : value;
        }
      }
      if (hidden) {
        batch.outputMemory[l].put(a);
      }
    }
    return batch;
  }

  /**
   * The backward pass and the Adam update of the step whose forward pass came last, given the
   * gradient of the loss with respect to its logits (already divided by the batch size).
   */
  void backward(int rows, float[] logitGradient) {
    Buffers batch = training.get(rows);
    if (batch == null || batch.input == null) {
      throw new IllegalStateException("backward without a forward pass of " + rows + " rows");
    }
    float[] delta = logitGradient;
    for (int l = layers - 1; l >= 0; l--) {
      int width = widths[l + 1];
      batch.deltaMemory[l].put(delta);
      Nd4j.gemm(l == 0 ? batch.input : batch.output[l - 1], batch.delta[l], weightGradients[l], true, false, 1.0, 0.0);
      float[] biasGradient = batch.biasGradients[l];
      java.util.Arrays.fill(biasGradient, 0f);
      for (int r = 0, i = 0; r < rows; r++) {
        for (int c = 0; c < width; c++, i++) {
          biasGradient[c] += delta[i];
        }
      }
      if (l > 0) {
        Nd4j.gemm(batch.delta[l], weights[l], batch.error[l - 1], false, true, 1.0, 0.0);
        float[] next = batch.errors[l - 1];
        batch.errorMemory[l - 1].get(next);
        float[] active = batch.activations[l - 1];
        for (int i = 0; i < next.length; i++) {
          if (active[i] <= 0f) {
            next[i] = 0f; // ReLU'(z) = [z > 0], and a = max(z, 0) > 0 exactly when z > 0
          }
        }
        delta = next;
      }
    }
    gradientMemory.get(gradientCopy);
    for (int l = 0; l < layers; l++) {
      System.arraycopy(batch.biasGradients[l], 0, gradientCopy, biasOffsets[l], widths[l + 1]);
    }
    batch.input = null;
    adam.update(parameters, gradientCopy, network.getIterationCount());
    parameterMemory.put(parameters);
    network.setIterationCount(network.getIterationCount() + 1);
  }

  /**
   * The gradient of the last step (mean over its rows), laid out like the network's parameters:
   * what Adam was given. For tests that hold it against DL4J's own backprop.
   */
  float[] lastGradient() {
    return gradientCopy.clone();
  }

  /** The learning rate of the next steps. */
  void learningRate(double rate) {
    adam.learningRate(rate);
  }

  /** Writes the Adam moments back into the network's updater state (before it is saved). */
  void flush() {
    adam.flush(memory(network.getUpdater().getStateViewArray()));
  }

  /**
   * The host memory of {@code array} from its first element: a new pointer object, so that moving
   * it never moves the one ND4J passes to native code.
   */
  private static FloatPointer memory(INDArray array) {
    FloatPointer base = (FloatPointer) array.data().pointer();
    FloatPointer memory = new FloatPointer(base);
    return memory.position(base.position() + array.offset());
  }

  private Buffers buffers(Map<Integer, Buffers> buffers, int rows) {
    Buffers batch = buffers.get(rows);
    if (batch == null) {
      if (buffers.size() == BUFFERED_BATCH_SIZES) {
        Integer eldest = buffers.keySet().iterator().next();
        buffers.remove(eldest);
      }
      batch = new Buffers(rows);
      buffers.put(rows, batch);
    }
    return batch;
  }

  /** The arrays one batch size needs, allocated once. */
  private final class Buffers {
    final int rows;
    final INDArray[] output = new INDArray[layers]; // off-heap activations (the logits last), rows × width, 'c'
    final FloatPointer[] outputMemory = new FloatPointer[layers];
    final float[][] activations = new float[layers][];
    final INDArray[] delta = new INDArray[layers];
    final FloatPointer[] deltaMemory = new FloatPointer[layers];
    final INDArray[] error = new INDArray[layers];
    final FloatPointer[] errorMemory = new FloatPointer[layers];
    final float[][] errors = new float[layers][];
    final float[][] biasGradients = new float[layers][];
    INDArray input;

    Buffers(int rows) {
      this.rows = rows;
      for (int l = 0; l < layers; l++) {
        int width = widths[l + 1];
        output[l] = Nd4j.create(DataType.FLOAT, new long[] {rows, width}, 'c');
        outputMemory[l] = memory(output[l]);
        activations[l] = new float[rows * width];
        delta[l] = Nd4j.create(DataType.FLOAT, new long[] {rows, width}, 'c');
        deltaMemory[l] = memory(delta[l]);
        error[l] = Nd4j.create(DataType.FLOAT, new long[] {rows, width}, 'c');
        errorMemory[l] = memory(error[l]);
        errors[l] = new float[rows * width];
        biasGradients[l] = new float[width];
      }
    }
  }
}
