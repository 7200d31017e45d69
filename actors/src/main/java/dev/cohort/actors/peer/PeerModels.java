package dev.cohort.actors.peer;

import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.node.RunData;
import dev.cohort.model.CnnPreset;
import dev.cohort.model.DistillationLoss;
import dev.cohort.model.LabeledData;
import dev.cohort.model.MlpPreset;
import dev.cohort.model.PeerNetwork;

/** Builds a peer's network from its spec and the data it will see (input size, classes, image shape). */
public final class PeerModels {

  private PeerModels() {}

  public static PeerNetwork network(PeerSpec spec, RunData data, CohortSettings settings) {
    DistillationLoss loss =
        new DistillationLoss(settings.distillation().lambdaAt(0), settings.distillation().temperature());
    double learningRate = settings.training().learningRate();
    LabeledData train = data.train();
    if (spec.model().equals("cnn")) {
      return PeerNetwork.cnn(cnnPreset(spec, train), spec.seed(), learningRate, loss);
    }
    return PeerNetwork.mlp(mlpPreset(spec, train), spec.seed(), learningRate, loss);
  }

  /**
   * Fails with a message naming the peer unless its model fits the data (a CNN needs images whose
   * poolings fit); cheap, so a launcher checks every peer before anything starts.
   */
  public static void check(CohortSettings settings, RunData data) {
    for (PeerSpec spec : settings.peers()) {
      if (spec.model().equals("cnn")) {
        cnnPreset(spec, data.train());
      } else {
        mlpPreset(spec, data.train());
      }
    }
  }

  private static MlpPreset mlpPreset(PeerSpec spec, LabeledData train) {
    return new MlpPreset(train.featureCount(), spec.hidden(), train.classes());
  }

  private static CnnPreset cnnPreset(PeerSpec spec, LabeledData train) {
    LabeledData.ImageShape image =
        train.imageShape()
            .orElseThrow(() -> new CohortConfigException(
                "peer " + spec.name() + " is a CNN, which needs image data (data.format = idx); this data has no image shape"));
    try {
      return new CnnPreset(image, spec.conv(), spec.hidden(), train.classes());
    } catch (IllegalArgumentException e) {
      throw new CohortConfigException("peer " + spec.name() + ": " + e.getMessage(), e);
    }
  }
}
