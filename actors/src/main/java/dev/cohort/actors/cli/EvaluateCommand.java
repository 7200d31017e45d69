package dev.cohort.actors.cli;

import dev.cohort.model.data.CsvReader;
import dev.cohort.model.data.DatasetException;
import dev.cohort.model.data.IdxDataset;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.eval.ClassificationReport;
import dev.cohort.model.eval.ConfusionMatrixImage;
import dev.cohort.model.nn.PeerNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evaluate MODEL --data PATH [--split test|train] [--png FILE]}: accuracy, NLL, expected
 * calibration error, per-class accuracy and the confusion matrix (text, and a PNG) of a model on an
 * IDX folder's split (test by default) or on a labelled CSV file (label in the last column unless
 * {@code --label-column}). Inputs go through the z-scores of the model's card, when it has them.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Accuracy, NLL, calibration error, per-class accuracy and the confusion matrix (text and PNG)"
        + " of a model on an IDX folder's split or a labelled CSV file.")
final class EvaluateCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "MODEL.zip", description = "a model written by extract or fuse")
  private Path modelPath;

  @Option(names = "--data", required = true, paramLabel = "PATH",
      description = "an IDX folder (e.g. /usr/share/datasets/fashion-mnist) or a labelled CSV file")
  private Path dataPath;

  @Option(names = "--split", paramLabel = "test|train", defaultValue = "test", description = "the IDX split (default: ${DEFAULT-VALUE})")
  private String split;

  @Option(names = "--png", paramLabel = "FILE", description = "where the confusion matrix image goes (default: MODEL-confusion.png)")
  private Path png;

  @Option(names = "--label-column", paramLabel = "N", defaultValue = "-1", description = "a CSV's label column (default: the last)")
  private int labelColumn;

  @Option(names = "--no-header", description = "the CSV file has no header row")
  private boolean noHeader;

  @Override
  public Integer call() throws IOException {
    boolean header = !noHeader;
    ModelFile model = ModelFile.load(modelPath);
    LabeledData data = model.prepared(load(dataPath, split, labelColumn, header, model));
    PeerNetwork.Evaluation evaluation = model.network().evaluate(data);
    ClassificationReport report = ClassificationReport.of(evaluation.probabilities(), data.labels(data.allRows()), data.classes());
    Path image = png != null ? png : Path.of(modelPath.getFileName().toString().replaceFirst("\\.zip$", "") + "-confusion.png");
    ConfusionMatrixImage.write(report.confusion(), model.classNames(), image);
    System.out.println(modelPath + " on " + dataPath + (Files.isDirectory(dataPath) ? " (" + split + " split)" : ""));
    System.out.print(report.text(model.classNames()));
    System.out.println("confusion matrix image: " + image.toAbsolutePath());
    return 0;
  }

  /** The examples to evaluate on, checked against the model's input and classes. */
  static LabeledData load(Path path, String split, int labelColumn, boolean header, ModelFile model) {
    LabeledData data;
    if (Files.isDirectory(path)) {
      data = IdxDataset.split(path, split);
    } else if (Files.isRegularFile(path)) {
      CsvReader.Table table = CsvReader.read(path, labelColumn, header, ',');
      model.requireInputs(table.featureCount(), path);
      if (table.maxLabel() >= model.network().classes()) {
        throw new DatasetException(path + " has label " + table.maxLabel() + ", but the model " + model.path()
            + " has only " + model.network().classes() + " classes");
      }
      data = table.withClasses(model.network().classes());
    } else {
      throw new DatasetException("data " + path.toAbsolutePath() + " not found (expected an IDX folder or a CSV file)");
    }
    model.requireInputs(data.featureCount(), path);
    if (data.classes() != model.network().classes()) {
      throw new DatasetException(path + " has " + data.classes() + " classes, the model " + model.path()
          + " has " + model.network().classes());
    }
    return data;
  }
}
