package dev.cohort.actors.extract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.model.data.DataFingerprint;
import dev.cohort.model.data.IdxDataset;
import dev.cohort.model.data.Standardization;
import dev.cohort.model.distill.Topology;
import dev.cohort.model.eval.ModelCard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;

/** What every model card of a run says about the run: class names, the data's hash, who taught whom. */
public final class CardFacts {

  private static final ObjectMapper JSON = new ObjectMapper();

  private CardFacts() {}

  /** What was measured of one model, for its card. */
  public record Measured(
      String peer,
      Path modelFile,
      String architecture,
      long parameters,
      List<Integer> inputShape,
      String selectedBy,
      double validationAccuracy,
      Double validationLoss,
      double testAccuracy,
      Double testLoss,
      int testExamples,
      JsonNode comparison) {}

  /**
   * The card of {@code measured}, written beside its model file as model-card.json-style JSON.
   *
   * @param standardization the z-scores the run applied to its inputs, if any
   */
  public static ModelCard card(
      CohortSettings settings, Measured measured, Path cardFile, int classes,
      Optional<Standardization> standardization) {
    try {
      Path model = measured.modelFile();
      return new ModelCard(
          settings.runId(),
          measured.peer(),
          measured.architecture(),
          measured.parameters(),
          cardFile.toAbsolutePath().getParent().relativize(model.toAbsolutePath()).toString(),
          Files.exists(model) ? Files.size(model) : null,
          measured.inputShape(),
          classNames(settings.data(), classes),
          measured.selectedBy(),
          measured.validationAccuracy(),
          measured.validationLoss(),
          measured.testAccuracy(),
          measured.testLoss(),
          measured.testExamples(),
          teachers(settings, measured.peer()),
          dataSha256(settings.data()),
          settings.data().labelNoise() > 0 ? settings.data().labelNoise() : null,
          settings.data().labelNoise() > 0 ? settings.data().labelNoiseType().key() : null,
          standardization.map(ModelCard.InputStandardization::of).orElse(null),
          Instant.now().toString(),
          measured.comparison(),
          JSON.readTree(settings.renderJson()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot describe " + measured.modelFile() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The z-scores a run's inputs go through, for a caller without the run's data at hand (the
   * coordinator at export): recomputed from the training split, which is deterministic.
   */
  public static Optional<Standardization> standardization(CohortSettings settings) {
    return settings.data().standardizes()
        ? dev.cohort.actors.data.RunData.load(settings.data()).standardization()
        : Optional.empty();
  }

  /** Fashion-MNIST's names for IDX data from a Fashion-MNIST folder; otherwise the class numbers. */
  public static List<String> classNames(CohortSettings.Data data, int classes) {
    if (data.format() == CohortSettings.DataFormat.IDX && classes == IdxDataset.CLASSES) {
      return IdxDataset.classNames(data.directory());
    }
    return IntStream.range(0, classes).mapToObj(String::valueOf).toList();
  }

  /** A SHA-256 of the data files (IDX, CSV), or of the parameters that generate synthetic data. */
  public static String dataSha256(CohortSettings.Data data) throws IOException {
    return switch (data.format()) {
      case IDX -> DataFingerprint.of(IdxDataset.files(data.directory()));
      case CSV -> DataFingerprint.of(List.of(data.csv().train(), data.csv().test()));
      case SYNTHETIC -> DataFingerprint.ofText("synthetic " + data.synthetic() + " seed " + data.seed());
    };
  }

  /**
   * The peer's teachers in the run's topology, with their weights ("itself" for a self-link);
   * under random-k, the draw it learnt from.
   */
  public static List<String> teachers(CohortSettings settings, String peer) {
    Topology topology = settings.distillation().topology();
    if (topology.draw().isPresent()) {
      Topology.Draw draw = topology.draw().get();
      return List.of(String.format(Locale.ROOT, "%d of %s, redrawn every %d batches (random-k)", draw.k(),
          topology.peers().stream().filter(p -> !p.equals(peer)).toList(), draw.every()));
    }
    return topology.teachersOf(peer).stream()
        .map((Topology.Link link) -> String.format(Locale.ROOT, "%s (weight %s)",
            link.teacher().equals(peer) ? "itself" : link.teacher(), link.weight()))
        .toList();
  }
}
