package dev.cohort.model.nn;

import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import java.util.List;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A LeNet-style CNN: for each width in {@code convolutions}, a 5×5 ReLU convolution ("same"
 * padding) then 2×2 max pooling; then ReLU dense layers of the {@code hidden} widths; then C
 * linear logits. LeNet-5 on MNIST is {@code convolutions = [20, 50],
 * hidden = [500]}. Rows are flat images, row-major.
 */
public record CnnPreset(LabeledData.ImageShape image, List<Integer> convolutions, List<Integer> hidden, int classes)
    implements NetworkPreset {

  public CnnPreset {
    convolutions = List.copyOf(convolutions);
    hidden = List.copyOf(hidden);
    if (convolutions.isEmpty() || classes <= 1) {
      throw new IllegalArgumentException(
          "a CNN needs at least one convolution and 2 classes, found " + convolutions + " and " + classes);
    }
    NetworkPreset.requirePositive(convolutions, "convolution");
    NetworkPreset.requirePositive(hidden, "hidden layer");
    int side = Math.min(image.height(), image.width());
    if (side >> convolutions.size() < 1) {
      throw new IllegalArgumentException(
          convolutions.size() + " poolings of 2x2 do not fit a " + image.height() + "x" + image.width() + " image");
    }
  }

  /** A readable shape, e.g. {@code CNN 28x28x1 conv[20,50] fc[500]-10}. */
  @Override
  public String describe() {
    return "CNN " + image.height() + "x" + image.width() + "x" + image.channels()
        + " conv[" + join(convolutions) + "]" + (hidden.isEmpty() ? "" : " fc[" + join(hidden) + "]") + "-" + classes;
  }

  private static String join(List<Integer> widths) {
    return widths.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  @Override
  public MultiLayerConfiguration configuration(
      long seed, IUpdater updater, DistillationLoss loss, DataType dataType) {
    NeuralNetConfiguration.ListBuilder layers = NetworkPreset.layers(seed, updater, dataType);
    for (int width : convolutions) {
      layers.layer(
          new ConvolutionLayer.Builder(5, 5)
              .nOut(width)
              .stride(1, 1)
              .convolutionMode(ConvolutionMode.Same)
              .activation(Activation.RELU)
              .build());
      layers.layer(
          new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
    }
    for (int width : hidden) {
      layers.layer(new DenseLayer.Builder().nOut(width).activation(Activation.RELU).build());
    }
    layers.layer(NetworkPreset.logits(loss, classes).build());
    layers.setInputType(InputType.convolutionalFlat(image.height(), image.width(), image.channels()));
    return layers.build();
  }
}
