package dev.cohort.model.nn;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Puts DL4J's oneDNN helpers into a network's convolution and pooling layers, which DL4J
 * 1.0.0-M2.1 never does by itself on the CPU: its helper factory is off by default (system
 * property {@code org.eclipse.deeplearning4j.helpers.disable} defaults to {@code true}), and when
 * switched on, its availability check ({@code BaseMKLDNNHelper.mklDnnEnabled}) looks up a class
 * that M2.1 no longer has ({@code org.nd4j.nativeblas.Nd4jCpu$Environment}) and so always answers
 * "unavailable". Without them a convolution runs as libnd4j's im2col into a permuted buffer, then
 * a GEMM, and is recomputed during backprop; with them it is one conv2d / conv2d_bp op that
 * nd4j-native's {@code onednn} build runs in oneDNN (docs/PERFORMANCE.md: the LeNet step drops
 * from about 5-9x PyTorch's time to about PyTorch's).
 *
 * <p>A first layer that is a convolution gets {@link FirstConvolutionHelper}, which skips the
 * gradient at the network's input in the backward pass.
 *
 * <p>Engaged only when the loaded libnd4j was built with oneDNN ({@code HAVE_ONEDNN} in its build
 * information): the same helpers on the plain build call libnd4j's generic conv2d, which measured
 * slower than DL4J's own path.
 */
public final class OneDnnHelpers {

  private static volatile Boolean available;

  private OneDnnHelpers() {}

  /** Whether the ND4J backend in use is a CPU build of libnd4j with oneDNN. */
  public static boolean available() {
    Boolean known = available;
    if (known == null) {
      String build;
      try {
        build = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
      } catch (RuntimeException | LinkageError e) {
        build = "";
      }
      known = build != null && build.contains("HAVE_ONEDNN")
          && "CPU".equalsIgnoreCase(org.nd4j.linalg.factory.Nd4j.getExecutioner()
              .getEnvironmentInformation().getProperty("backend"));
      available = known;
    }
    return known;
  }

  /**
   * Gives every plain 2-D convolution and pooling layer of {@code network} its oneDNN helper, if
   * {@link #available()}.
   *
   * @return how many layers now run through oneDNN
   */
  public static int engage(MultiLayerNetwork network) {
    return engage(network, true);
  }

  /**
   * The same, choosing whether a first convolution skips its input gradient ({@link
   * FirstConvolutionHelper}); {@code false} only to measure what that buys.
   */
  public static int engage(MultiLayerNetwork network, boolean firstLayerWeightsOnly) {
    if (!available()) {
      return 0;
    }
    int engaged = 0;
    Layer[] layers = network.getLayers();
    for (int l = 0; l < layers.length; l++) {
      Layer layer = layers[l];
      if (layer.getClass() == ConvolutionLayer.class) {
        DataType type = layer.getParam("W").dataType();
        // The first layer's input gradient is never used: its helper skips computing it.
        set(ConvolutionLayer.class, layer,
            l == 0 && firstLayerWeightsOnly ? new FirstConvolutionHelper(type) : new MKLDNNConvHelper(type));
        engaged++;
      } else if (layer.getClass() == SubsamplingLayer.class) {
        set(SubsamplingLayer.class, layer, new MKLDNNSubsamplingHelper(network.params().dataType()));
        engaged++;
      }
    }
    return engaged;
  }

  private static void set(Class<?> owner, Layer layer, Object helper) {
    try {
      Field field = owner.getDeclaredField("helper");
      field.setAccessible(true);
      field.set(layer, helper);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot engage oneDNN in " + owner.getSimpleName()
          + ": DL4J's layer no longer has the field 'helper' (this code is written for DL4J 1.0.0-M2.1)", e);
    }
  }
}
