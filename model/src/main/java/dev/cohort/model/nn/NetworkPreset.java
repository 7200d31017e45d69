package dev.cohort.model.nn;

import dev.cohort.model.distill.DistillationLoss;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A family of networks a peer can be. Every preset ends in C linear logits trained with the
 * {@link DistillationLoss}, which applies its own softmaxes (at 1 and at T).
 */
public interface NetworkPreset {

  /** A readable shape, e.g. {@code MLP 784-256-10}. */
  String describe();

  MultiLayerConfiguration configuration(long seed, IUpdater updater, DistillationLoss loss, DataType dataType);

  /** The network with Adam at {@code learningRate}, initialised from {@code seed}, in float precision. */
  default MultiLayerNetwork build(long seed, double learningRate, DistillationLoss loss) {
    MultiLayerNetwork network =
        new MultiLayerNetwork(configuration(seed, new Adam(learningRate), loss, DataType.FLOAT));
    network.init();
    return network;
  }

  /** The layer list every preset starts from: seed, precision, updater, ReLU initialisation. */
  static NeuralNetConfiguration.ListBuilder layers(long seed, IUpdater updater, DataType dataType) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(dataType)
        .updater(updater)
        .weightInit(WeightInit.RELU)
        .list();
  }

  /** The output layer every preset ends with: C linear logits under the distillation loss. */
  static OutputLayer.Builder logits(DistillationLoss loss, int classes) {
    return new OutputLayer.Builder(loss).nOut(classes).activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER);
  }

  static void requirePositive(List<Integer> widths, String what) {
    for (int width : widths) {
      if (width <= 0) {
        throw new IllegalArgumentException(what + " widths must be positive, found " + widths);
      }
    }
  }
}
