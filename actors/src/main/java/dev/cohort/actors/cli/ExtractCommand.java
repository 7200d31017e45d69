package dev.cohort.actors.cli;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.extract.CardFacts;
import dev.cohort.actors.extract.RunModels;
import dev.cohort.actors.extract.Selection;
import dev.cohort.actors.node.RunData;
import dev.cohort.model.ModelCard;
import dev.cohort.model.PeerNetwork;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code extract RUN_DIR [--metric M] [--out FILE]}: chooses a run's final model offline, from
 * every peer's latest good checkpoint evaluated on the validation split, evaluates the chosen one
 * once on the test split, and writes the model zip and its card. Nothing is written unless all of
 * that succeeded.
 */
final class ExtractCommand {

  private ExtractCommand() {}

  static int run(Arguments arguments) throws IOException {
    if (!arguments.hasMore()) {
      throw new UsageException("extract needs a run directory: cohort extract RUN_DIR [--metric M] [--out FILE]");
    }
    Path runDirectory = Path.of(arguments.next());
    Selection selection = Selection.DEFAULT;
    Path out = null;
    while (arguments.hasMore()) {
      String option = arguments.next();
      switch (option) {
        case "--metric" -> {
          try {
            selection = Selection.parse(arguments.valueOf(option));
          } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
          }
        }
        case "--out" -> out = Path.of(arguments.valueOf(option));
        case "--live" -> throw new UsageException(
            "--live needs the dashboard's API, which this version does not have yet; extract from the run directory");
        default -> throw new UsageException(
            "unknown option " + option + " (expected --metric val_accuracy|val_nll|smallest-within:POINTS, --out FILE)");
      }
    }
    CohortSettings settings = RunModels.settings(runDirectory);
    RunData data = RunData.load(settings.data());
    List<RunModels.Peer> peers = RunModels.peers(runDirectory, settings, data, note -> System.out.println("  " + note));
    if (peers.isEmpty()) {
      throw new UsageException("no peer of " + runDirectory + " has a usable checkpoint to extract");
    }
    System.out.println(String.format(Locale.ROOT, "%-14s %12s %8s %8s  checkpoint", "peer", "parameters", "val_acc", "val_nll"));
    for (RunModels.Peer peer : peers) {
      System.out.println(String.format(Locale.ROOT, "%-14s %,12d %8.4f %8.4f  %s", peer.spec().name(),
          peer.network().parameterCount(), peer.validation().accuracy(), peer.validation().crossEntropy(),
          peer.checkpoint().getFileName()));
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
    writeModelAndCard(chosen.network(), model, () -> CardFacts.card(settings, measured, card, chosen.network().classes()), card);
    System.out.println(String.format(Locale.ROOT, "chosen by %s: %s (val_acc %.4f); test_acc %.4f on %d test examples",
        selection.describe(), chosenName, chosen.validation().accuracy(), test.accuracy(), test.examples()));
    System.out.println("  model: " + model.toAbsolutePath());
    System.out.println("  card:  " + card.toAbsolutePath());
    return 0;
  }

  /**
   * Writes the model, then its card (which records the model file's size); if the card cannot be
   * written the model written here is removed again, so a failed command leaves nothing behind.
   */
  static void writeModelAndCard(PeerNetwork network, Path model, java.util.function.Supplier<ModelCard> card, Path cardFile)
      throws IOException {
    boolean existed = java.nio.file.Files.exists(model);
    network.save(model);
    try {
      card.get().write(cardFile);
    } catch (IOException | RuntimeException e) {
      if (!existed) {
        java.nio.file.Files.deleteIfExists(model);
      }
      throw e;
    }
  }

  /** {@code model.zip} -> {@code model-card.json} beside it. */
  static Path cardOf(Path model) {
    String name = model.getFileName().toString();
    String base = name.endsWith(".zip") ? name.substring(0, name.length() - 4) : name;
    return model.toAbsolutePath().resolveSibling(base + "-card.json");
  }
}
