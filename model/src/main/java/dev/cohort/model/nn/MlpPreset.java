package dev.cohort.model.nn;

import dev.cohort.model.distill.DistillationLoss;
import java.util.List;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A multilayer perceptron: ReLU hidden layers of the given widths, then C logits.
 */
public record MlpPreset(int inputs, List<Integer> hidden, int classes) implements NetworkPreset {

  public MlpPreset {
    hidden = List.copyOf(hidden);
    if (inputs <= 0 || classes <= 1) {
      throw new IllegalArgumentException(
          "an MLP needs inputs > 0 and at least 2 classes, found " + inputs + " and " + classes);
    }
    NetworkPreset.requirePositive(hidden, "hidden layer");
  }

  @Override
  public String describe() {
    String middle = hidden.stream().map(String::valueOf).collect(Collectors.joining("-"));
    return "MLP " + inputs + "-" + (middle.isEmpty() ? "" : middle + "-") + classes;
  }

  @Override
  public MultiLayerConfiguration configuration(
      long seed, IUpdater updater, DistillationLoss loss, DataType dataType) {
    NeuralNetConfiguration.ListBuilder layers = NetworkPreset.layers(seed, updater, dataType);
    int in = inputs;
    for (int width : hidden) {
      layers.layer(new DenseLayer.Builder().nIn(in).nOut(width).activation(Activation.RELU).build());
      in = width;
    }
    layers.layer(NetworkPreset.logits(loss, classes).nIn(in).build());
    return layers.build();
  }
}
