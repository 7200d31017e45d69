package dev.cohort.actors.cli;

import dev.cohort.actors.args.Arguments;
import dev.cohort.actors.args.UsageException;

import dev.cohort.actors.extract.Extraction;
import dev.cohort.actors.extract.RunModels;
import dev.cohort.actors.extract.Selection;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code extract RUN_DIR [--metric M] [--out FILE]} (or {@code --live URL}: see {@link LiveExtract}): chooses a run's final model offline, from
 * every peer's latest good checkpoint evaluated on the validation split, evaluates the chosen one
 * once on the test split, and writes the model zip and its card. Nothing is written unless all of
 * that succeeded.
 */
final class ExtractCommand {

  private ExtractCommand() {}

  static int run(Arguments arguments) throws IOException {
    if (!arguments.hasMore()) {
      throw new UsageException("extract needs a run directory: cohort extract RUN_DIR [--metric M] [--out FILE],"
          + " or cohort extract --live URL [--token T] [--metric M]");
    }
    String first = arguments.next();
    if (first.equals("--live")) {
      return LiveExtract.run(arguments.valueOf("--live"), arguments);
    }
    Path runDirectory = Path.of(first);
    Selection selection = Selection.DEFAULT;
    Path out = null;
    while (arguments.hasMore()) {
      String option = arguments.next();
      switch (option) {
        case "--metric" -> selection = metric(arguments.valueOf(option));
        case "--out" -> out = Path.of(arguments.valueOf(option));
        default -> throw new UsageException(
            "unknown option " + option + " (expected --metric val_accuracy|val_nll|smallest-within:POINTS, --out FILE)");
      }
    }
    Extraction.Result result;
    try {
      result = Extraction.extract(runDirectory, selection, out, note -> System.out.println("  " + note));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    System.out.println(String.format(Locale.ROOT, "%-14s %12s %8s %8s  checkpoint", "peer", "parameters", "val_acc", "val_nll"));
    for (RunModels.Peer peer : result.candidates()) {
      System.out.println(String.format(Locale.ROOT, "%-14s %,12d %8.4f %8.4f  %s", peer.spec().name(),
          peer.network().parameterCount(), peer.validation().accuracy(), peer.validation().crossEntropy(),
          peer.checkpoint().getFileName()));
    }
    System.out.println(String.format(Locale.ROOT, "chosen by %s: %s (val_acc %.4f); test_acc %.4f on %d test examples",
        result.selectedBy(), result.peer(), result.chosen().validation().accuracy(), result.test().accuracy(),
        result.test().examples()));
    System.out.println("  model: " + result.model());
    System.out.println("  card:  " + result.card());
    return 0;
  }

  static Selection metric(String name) {
    try {
      return Selection.parse(name);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
