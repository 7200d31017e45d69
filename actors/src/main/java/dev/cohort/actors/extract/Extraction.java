package dev.cohort.actors.extract;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.data.RunData;
import dev.cohort.model.eval.ModelCard;
import dev.cohort.model.nn.PeerNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Chooses a run's final model from every peer's latest good checkpoint evaluated on the validation
 * split, evaluates the chosen one once on the test split, and writes the model zip and its card.
 * Nothing is written unless all of that succeeded. Used by {@code cohort extract} and by the
 * dashboard's "extract now" (checkpoints are committed atomically, so a live run can be read).
 */
public final class Extraction {

  /** What was extracted, and every candidate with its validation scores. */
  public record Result(
      RunModels.Peer chosen, String selectedBy, PeerNetwork.Evaluation test, Path model, Path card,
      List<RunModels.Peer> candidates) {

    public String peer() {
      return chosen.spec().name();
    }
  }

  private Extraction() {}

  /**
   * @param out the model file, or null for {@code RUN_DIR/extracted/<peer>/model.zip}
   * @param notes told of peers left out (no usable checkpoint, a frozen teacher)
   */
  public static Result extract(Path runDirectory, Selection selection, Path out, Consumer<String> notes)
      throws IOException {
    CohortSettings settings = RunModels.settings(runDirectory);
    RunData data = RunData.load(settings.data());
    List<RunModels.Peer> peers = RunModels.peers(runDirectory, settings, data, notes);
    if (peers.isEmpty()) {
      throw new IllegalArgumentException("no peer of " + runDirectory + " has a usable checkpoint to extract");
    }
    String chosenName = selection.choose(peers.stream()
            .map(p -> new Selection.Candidate(p.spec().name(), p.network().parameterCount(),
                p.validation().accuracy(), p.validation().crossEntropy()))
            .toList())
        .name();
    RunModels.Peer chosen = peers.stream().filter(p -> p.spec().name().equals(chosenName)).findFirst().orElseThrow();
    PeerNetwork.Evaluation test = chosen.network().evaluate(data.test());
    Path model = out != null ? out : runDirectory.resolve("extracted").resolve(chosenName).resolve("model.zip");
    Path card = cardOf(model);
    CardFacts.Measured measured =
        new CardFacts.Measured(chosenName, model, chosen.network().architecture(), chosen.network().parameterCount(),
            chosen.network().inputShape(), selection.describe(), chosen.validation().accuracy(),
            chosen.validation().crossEntropy(), test.accuracy(), test.crossEntropy(), test.examples(), null);
    writeModelAndCard(chosen.network(), model, () -> CardFacts.card(settings, measured, card, chosen.network().classes(), data.standardization()), card);
    return new Result(chosen, selection.describe(), test, model.toAbsolutePath(), card.toAbsolutePath(), peers);
  }

  /**
   * Writes the model, then its card (which records the model file's size); if the card cannot be
   * written the model written here is removed again, so a failed command leaves nothing behind.
   */
  public static void writeModelAndCard(PeerNetwork network, Path model, Supplier<ModelCard> card, Path cardFile)
      throws IOException {
    boolean existed = Files.exists(model);
    network.save(model);
    try {
      card.get().write(cardFile);
    } catch (IOException | RuntimeException e) {
      if (!existed) {
        Files.deleteIfExists(model);
      }
      throw e;
    }
  }

  /** {@code model.zip} -> {@code model-card.json} beside it. */
  public static Path cardOf(Path model) {
    String name = model.getFileName().toString();
    String base = name.endsWith(".zip") ? name.substring(0, name.length() - 4) : name;
    return model.toAbsolutePath().resolveSibling(base + "-card.json");
  }
}
