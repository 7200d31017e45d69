package dev.cohort.model.nn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Im2col;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN for a network's first convolution, whose backward pass computes only what training
 * uses: the weight and bias gradients. DL4J asks every layer for the gradient at its input too,
 * and oneDNN's conv2d_bp computes both at once; for the first layer (LeNet's: 1 input channel,
 * 28 × 28) that took 44–52 ms of a 145 ms step (docs/PERFORMANCE.md), where the weight gradient
 * alone — im2col into a contiguous buffer, then one batched matrix product summed over the batch
 * — takes about a tenth. The forward pass stays oneDNN's.
 *
 * <p>The input gradient it returns is NaN: {@code fit} discards the first layer's (DL4J sets it
 * to null unless a caller asks {@code MultiLayerNetwork.backpropGradient} for the network's input
 * gradient, which Cohort never does); NaN makes any other use fail loudly instead of quietly
 * reading zeros. Engaged by {@link OneDnnHelpers} for layer 0 only; anything it does not handle
 * exactly (NHWC, dilation, non-float) goes to oneDNN's full backward pass.
 */
final class FirstConvolutionHelper extends MKLDNNConvHelper {

  private INDArray noInputGradient;

  FirstConvolutionHelper(DataType dataType) {
    super(dataType);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
      int[] kernel, int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView, IActivation afn,
      ConvolutionLayer.AlgoMode mode, ConvolutionLayer.BwdFilterAlgo bwdFilterAlgo,
      ConvolutionLayer.BwdDataAlgo bwdDataAlgo, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (format != CNN2DFormat.NCHW || input.dataType() != DataType.FLOAT || weights.dataType() != DataType.FLOAT
        || dilation[0] != 1 || dilation[1] != 1 || biasGradView == null) {
      return super.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGradView, weightGradView,
          afn, mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format, workspaceMgr);
    }
    long batch = input.size(0);
    long channels = input.size(1);
    long outputs = weights.size(0);
    long outH = delta.size(2);
    long outW = delta.size(3);
    int[] padding = convolutionMode == ConvolutionMode.Same
        ? ConvolutionUtils.getSameModeTopLeftPadding(new int[] {(int) outH, (int) outW},
            new int[] {(int) input.size(2), (int) input.size(3)}, kernel, strides, dilation)
        : pad;
    long patch = channels * kernel[0] * kernel[1];
    INDArray columns = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT,
        new long[] {batch, channels, kernel[0], kernel[1], outH, outW}, 'c');
    Nd4j.exec(Im2col.builder()
        .inputArrays(new INDArray[] {input})
        .outputs(new INDArray[] {columns})
        .conv2DConfig(Conv2DConfig.builder()
            .kH(kernel[0]).kW(kernel[1]).sH(strides[0]).sW(strides[1]).pH(padding[0]).pW(padding[1]).dH(1).dW(1)
            .paddingMode(convolutionMode == ConvolutionMode.Same ? PaddingMode.SAME : PaddingMode.VALID)
            .build())
        .build());
    INDArray deltas = delta.reshape('c', batch, outputs, outH * outW);
    // per example [outputs, outH·outW] × [outH·outW, patch], then summed over the batch
    INDArray perExample = Nd4j.matmul(deltas, columns.reshape('c', batch, patch, outH * outW), null, false, true, false);
    weightGradView.assign(perExample.sum(0).reshape(weightGradView.shape()));
    biasGradView.assign(deltas.sum(0, 2).reshape(biasGradView.shape()));
    Gradient gradient = new DefaultGradient();
    gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
    gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
    return new Pair<>(gradient, noInputGradient(input));
  }

  private INDArray noInputGradient(INDArray input) {
    if (noInputGradient == null || !java.util.Arrays.equals(noInputGradient.shape(), input.shape())) {
      try (var outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
        noInputGradient = Nd4j.valueArrayOf(input.shape(), Float.NaN, DataType.FLOAT);
      }
    }
    return noInputGradient;
  }
}
