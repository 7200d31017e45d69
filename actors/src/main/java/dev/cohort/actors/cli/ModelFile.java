package dev.cohort.actors.cli;

import dev.cohort.model.data.DatasetException;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.eval.ModelCard;
import dev.cohort.model.nn.PeerNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/** A model zip given on the command line, with its card when one lies beside it. */
record ModelFile(Path path, PeerNetwork network, Optional<ModelCard> card) {

  /** Loads {@code path}; a missing, truncated or foreign file is one error naming it. */
  static ModelFile load(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new DatasetException("model file " + path.toAbsolutePath() + " not found");
    }
    Path cardFile = dev.cohort.actors.extract.Extraction.cardOf(path);
    Optional<ModelCard> card = Files.isRegularFile(cardFile) ? Optional.of(ModelCard.read(cardFile)) : Optional.empty();
    PeerNetwork network;
    try {
      network = PeerNetwork.load(path, card.map(ModelCard::architecture).orElse(path.getFileName().toString()));
    } catch (Exception e) {
      throw new DatasetException(path + " is not a DL4J model zip (a file written by cohort extract, or a"
          + " checkpoint's step-N.zip): " + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
    }
    return new ModelFile(path, network, card);
  }

  /** The card's class names, or the class numbers. */
  List<String> classNames() {
    return card.map(ModelCard::classNames)
        .filter(names -> names.size() == network.classes())
        .orElse(IntStream.range(0, network.classes()).mapToObj(String::valueOf).toList());
  }

  /**
   * The z-scores the model's card says its inputs went through in training, checked against the
   * model's input size; empty when the card has none (or there is no card).
   */
  Optional<dev.cohort.model.data.Standardization> standardization() {
    Optional<dev.cohort.model.data.Standardization> z = card.map(ModelCard::inputStandardization)
        .map(s -> {
          try {
            return s.standardization();
          } catch (IllegalArgumentException e) {
            throw new DatasetException("the model card of " + path + " has an unusable inputStandardization: "
                + e.getMessage(), e);
          }
        });
    z.filter(s -> s.features() != network.inputSize()).ifPresent(s -> {
      throw new DatasetException("the model card of " + path + " standardises " + s.features()
          + " inputs, but the model takes " + network.inputSize());
    });
    return z;
  }

  /** {@code data} as the model was trained to see it: standardised when its card says so. */
  LabeledData prepared(LabeledData data) {
    return standardization().map(z -> z.apply(data)).orElse(data);
  }

  /** Fails unless rows of {@code features} values fit the model. */
  void requireInputs(int features, Path data) {
    if (features != network.inputSize()) {
      throw new DatasetException("model " + path + " takes " + network.inputSize() + " input values "
          + network.inputShape() + ", but " + data + " has " + features + " per example");
    }
  }
}
