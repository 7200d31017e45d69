package dev.cohort.actors.cli;

import dev.cohort.actors.extract.Extraction;
import dev.cohort.actors.extract.RunModels;
import dev.cohort.actors.extract.Selection;
import dev.cohort.actors.launch.UsageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code extract RUN_DIR [--metric M] [--out FILE]} (or {@code --live URL}: see {@link LiveExtract}): chooses a run's final model offline, from
 * every peer's latest good checkpoint evaluated on the validation split, evaluates the chosen one
 * once on the test split, and writes the model zip and its card. Nothing is written unless all of
 * that succeeded.
 */
@Command(name = "extract", mixinStandardHelpOptions = true,
    description = "Chooses the final model among the run's peers on the validation split, from their latest"
        + " checkpoints, and writes it with its model card; with --live, by a running cohort's dashboard.")
final class ExtractCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", paramLabel = "RUN_DIR", description = "a run directory, e.g. runs/<id>")
  private Path runDirectory;

  @Option(names = "--live", paramLabel = "URL", description = "a running cohort's dashboard: extract there, now")
  private String live;

  @Option(names = "--metric", paramLabel = "M", description = "val_accuracy (default), val_nll or smallest-within:POINTS")
  private String metric;

  @Option(names = "--out", paramLabel = "FILE", description = "where the model goes (default: RUN_DIR/extracted/PEER/model.zip)")
  private Path out;

  @Option(names = "--token", paramLabel = "T", description = "with --live: the run's control token (default: COHORT_TOKEN)")
  private String token;

  @Option(names = "--run", paramLabel = "RUN_DIR", description = "with --live: read the control token from RUN_DIR/dashboard.token")
  private Path tokenRun;

  @Override
  public Integer call() throws IOException {
    Selection selection = metric == null ? Selection.DEFAULT : metric(metric); // a bad name is refused before anything runs
    if (live != null) {
      if (runDirectory != null || out != null) {
        throw new UsageException("extract --live takes no RUN_DIR nor --out: the running cohort writes the model");
      }
      return LiveExtract.run(live, token, tokenRun, metric);
    }
    if (runDirectory == null) {
      throw new UsageException("extract needs a run directory: cohort extract RUN_DIR [--metric M] [--out FILE],"
          + " or cohort extract --live URL [--token T] [--metric M]");
    }
    if (token != null || tokenRun != null) {
      throw new UsageException("--token and --run go with --live URL");
    }
    OutFile.check(out, "--out");
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
