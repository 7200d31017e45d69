package dev.cohort.model;

import java.util.List;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A multilayer perceptron: ReLU hidden layers of the given widths, then C logits trained with the
 * {@link DistillationLoss}. The output layer is linear because the loss applies its own softmaxes
 * (at 1 and at T).
 */
public record MlpPreset(int inputs, List<Integer> hidden, int classes) {

  public MlpPreset {
    hidden = List.copyOf(hidden);
    if (inputs <= 0 || classes <= 1) {
      throw new IllegalArgumentException(
          "an MLP needs inputs > 0 and at least 2 classes, found " + inputs + " and " + classes);
    }
    for (int width : hidden) {
      if (width <= 0) {
        throw new IllegalArgumentException("hidden layer widths must be positive, found " + hidden);
      }
    }
  }

  /** A readable shape, e.g. {@code MLP 784-256-10}. */
  public String describe() {
    String middle = hidden.stream().map(String::valueOf).collect(Collectors.joining("-"));
    return "MLP " + inputs + "-" + (middle.isEmpty() ? "" : middle + "-") + classes;
  }

  public MultiLayerConfiguration configuration(
      long seed, IUpdater updater, DistillationLoss loss, DataType dataType) {
    NeuralNetConfiguration.ListBuilder layers =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .dataType(dataType)
            .updater(updater)
            .weightInit(WeightInit.RELU)
            .list();
    int in = inputs;
    for (int width : hidden) {
      layers.layer(new DenseLayer.Builder().nIn(in).nOut(width).activation(Activation.RELU).build());
      in = width;
    }
    layers.layer(
        new OutputLayer.Builder(loss)
            .nIn(in)
            .nOut(classes)
            .activation(Activation.IDENTITY)
            .weightInit(WeightInit.XAVIER)
            .build());
    return layers.build();
  }

  public MultiLayerNetwork build(long seed, double learningRate, DistillationLoss loss) {
    MultiLayerNetwork network =
        new MultiLayerNetwork(configuration(seed, new Adam(learningRate), loss, DataType.FLOAT));
    network.init();
    return network;
  }
}
