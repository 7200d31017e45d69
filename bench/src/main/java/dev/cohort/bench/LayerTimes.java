package dev.cohort.bench;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J network's forward and backward pass timed layer by layer: each layer's {@code activate}
 * and {@code backpropGradient} called in turn, as {@code fit} calls them, in one reused workspace
 * (where fit uses several): the split of a step between its layers; the step's total is what
 * {@code fit} measures.
 */
public final class LayerTimes {

  /** One layer's median forward and backward time, in ms. */
  public record Layer(String name, double forwardMillis, double backwardMillis) {}

  private LayerTimes() {}

  public static List<Layer> measure(MultiLayerNetwork network, INDArray features, INDArray labels, int warmup, int steps) {
    int n = network.getnLayers();
    List<List<Double>> forward = new ArrayList<>();
    List<List<Double>> backward = new ArrayList<>();
    for (int l = 0; l < n; l++) {
      forward.add(new ArrayList<>());
      backward.add(new ArrayList<>());
    }
    if (network.getFlattenedGradients() == null) {
      network.initGradientsView(); // what the first fit would do: the layers' gradient views
    }
    // One workspace for every array a step makes, reset each step: after the first step its memory
    // is reused, as fit's workspaces reuse theirs, instead of allocated (which costs more than many
    // layers' arithmetic here). Open while the layers run, so the convolutions' forward cache works.
    LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.builder().defaultWorkspace(WORKSPACE, WORKSPACE_CONFIG).build();
    int batch = (int) features.size(0);
    for (int i = 0; i < warmup + steps; i++) {
      try (MemoryWorkspace step = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE_CONFIG, WORKSPACE)) {
        pass(network, features, labels, workspaces, batch, i >= warmup, forward, backward);
      }
    }
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l < n; l++) {
      layers.add(new Layer(l + " " + network.getLayer(l).getClass().getSimpleName(),
          Stats.median(forward.get(l)), Stats.median(backward.get(l))));
    }
    network.clearLayersStates();
    return layers;
  }

  private static final String WORKSPACE = "COHORT_LAYER_TIMES";
  private static final WorkspaceConfiguration WORKSPACE_CONFIG = WorkspaceConfiguration.builder()
      .initialSize(0)
      .overallocationLimit(0.1)
      .policyLearning(LearningPolicy.FIRST_LOOP)
      .policyReset(ResetPolicy.BLOCK_LEFT)
      .policySpill(SpillPolicy.REALLOCATE)
      .policyAllocation(AllocationPolicy.OVERALLOCATE)
      .build();

  private static void pass(MultiLayerNetwork network, INDArray features, INDArray labels, LayerWorkspaceMgr workspaces,
      int batch, boolean timed, List<List<Double>> forward, List<List<Double>> backward) {
    int n = network.getnLayers();
    INDArray activation = features;
    for (int l = 0; l < n; l++) {
      InputPreProcessor pre = network.getLayerWiseConfigurations().getInputPreProcess(l);
      if (pre != null) {
        activation = pre.preProcess(activation, batch, workspaces);
      }
      org.deeplearning4j.nn.api.Layer layer = network.getLayer(l);
      layer.setInput(activation, workspaces);
      long started = System.nanoTime();
      activation = layer.activate(true, workspaces);
      record(forward.get(l), started, timed);
    }
    ((IOutputLayer) network.getLayer(n - 1)).setLabels(labels);
    INDArray epsilon = null;
    for (int l = n - 1; l >= 0; l--) {
      long started = System.nanoTime();
      epsilon = network.getLayer(l).backpropGradient(epsilon, workspaces).getSecond();
      record(backward.get(l), started, timed);
      InputPreProcessor pre = network.getLayerWiseConfigurations().getInputPreProcess(l);
      if (pre != null && epsilon != null) {
        epsilon = pre.backprop(epsilon, batch, workspaces);
      }
    }
  }

  private static void record(List<Double> into, long started, boolean timed) {
    if (timed) {
      into.add((System.nanoTime() - started) / 1e6);
    }
  }
}
