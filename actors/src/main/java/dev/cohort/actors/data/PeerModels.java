package dev.cohort.actors.data;

import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.data.RunData;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.nn.CnnPreset;
import dev.cohort.model.nn.MlpPreset;
import dev.cohort.model.nn.NetworkPreset;
import dev.cohort.model.nn.PeerNetwork;

/** Builds a peer's network from its spec and the data it will see (input size, classes, image shape). */
public final class PeerModels {

  private PeerModels() {}

  public static PeerNetwork network(PeerSpec spec, RunData data, CohortSettings settings) {
    DistillationLoss loss =
        new DistillationLoss(settings.distillation().lambdaAt(0), settings.distillation().temperature());
    double learningRate = spec.learningRate(settings.training().learningRate());
    return PeerNetwork.of(preset(spec, data.train()), spec.seed(), learningRate, loss, settings.training().engine());
  }

  /** How a peer's network is described (e.g. "MLP 784-256-10"), without building it. */
  public static String describe(PeerSpec spec, RunData data) {
    return preset(spec, data.train()).describe();
  }

  /**
   * Fails with a message naming the peer unless its model fits the data (a CNN needs images whose
   * poolings fit); cheap, so a launcher checks every peer before anything starts.
   */
  public static void check(CohortSettings settings, RunData data) {
    for (PeerSpec spec : settings.peers()) {
      preset(spec, data.train());
    }
  }

  private static NetworkPreset preset(PeerSpec spec, LabeledData train) {
    return spec.model().equals("cnn")
        ? cnnPreset(spec, train)
        : new MlpPreset(train.featureCount(), spec.hidden(), train.classes());
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
