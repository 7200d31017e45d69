package dev.cohort.actors.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.actors.launch.UsageException;
import dev.cohort.model.data.CsvReader;
import dev.cohort.model.data.DatasetException;
import dev.cohort.model.data.IdxReader;
import dev.cohort.model.data.ImageInput;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.nn.PeerNetwork;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code predict MODEL INPUT... [--top K] [--header]}: one JSON line per example with its top-K
 * classes and probabilities. An INPUT is an IDX image file (every image in it), a CSV file (one
 * example per row, after a header line with {@code --header}; a column more than the model's inputs
 * is taken for a label and ignored) or an image
 * (PNG, JPEG, GIF, BMP: converted to grayscale and resized to the model's image shape). Inputs go
 * through the z-scores of the model's card, when it has them, as in training.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "JSON lines with the top K classes of each example in IDX image files, CSV files or images.")
final class PredictCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "MODEL.zip", description = "a model written by extract or fuse")
  private Path modelPath;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "INPUT",
      description = "IDX image files, CSV files (one example per row) or images (PNG, JPEG, GIF, BMP)")
  private List<Path> inputs;

  @Option(names = "--top", paramLabel = "K", defaultValue = "3", description = "classes per example (default: ${DEFAULT-VALUE})")
  private int top;

  @Option(names = "--header", description = "CSV inputs start with a header line (as a training CSV does), which is skipped")
  private boolean header;

  @Override
  public Integer call() throws IOException {
    if (top < 1) {
      throw new UsageException("--top must be at least 1, found " + top);
    }
    ModelFile model = ModelFile.load(modelPath);
    // Read every input first: a bad one fails the command before anything is printed.
    List<float[]> rows = new ArrayList<>();
    List<String> sources = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    for (Path input : inputs) {
      List<float[]> read = read(input, model, header);
      for (int i = 0; i < read.size(); i++) {
        rows.add(read.get(i));
        sources.add(input.toString());
        positions.add(i);
      }
    }
    float[] flat = new float[rows.size() * model.network().inputSize()];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r), 0, flat, r * model.network().inputSize(), model.network().inputSize());
    }
    int classes = model.network().classes();
    model.standardization().ifPresent(z -> z.applyInPlace(flat));
    LabeledData examples = new LabeledData(flat, new int[rows.size()], model.network().inputSize(), classes);
    PeerNetwork.Evaluation evaluation = model.network().evaluate(examples);
    List<String> names = model.classNames();
    for (int r = 0; r < rows.size(); r++) {
      int row = r;
      ObjectNode line = JSON.createObjectNode();
      line.put("input", sources.get(r));
      line.put("index", positions.get(r));
      ArrayNode best = line.putArray("top");
      IntStream.range(0, classes).boxed()
          .sorted(Comparator.comparingDouble((Integer c) -> -evaluation.probabilities()[row * classes + c]))
          .limit(top)
          .forEach(c -> best.addObject()
              .put("class", c)
              .put("name", names.get(c))
              .put("probability", Double.parseDouble(String.format(Locale.ROOT, "%.6f",
                  evaluation.probabilities()[row * classes + c]))));
      System.out.println(JSON.writeValueAsString(line));
    }
    return 0;
  }

  private static List<float[]> read(Path input, ModelFile model, boolean header) {
    String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
    int size = model.network().inputSize();
    if (name.matches(".*\\.(png|jpe?g|gif|bmp)$")) {
      int[] shape = imageShape(model, input);
      return List.of(ImageInput.read(input, shape[0], shape[1]));
    }
    if (name.endsWith(".csv")) {
      return csvRows(input, model, header);
    }
    if (name.contains("idx3")) {
      IdxReader.Images images = IdxReader.images(input);
      model.requireInputs(images.rows() * images.cols(), input);
      List<float[]> rows = new ArrayList<>();
      for (int i = 0; i < images.count(); i++) {
        rows.add(java.util.Arrays.copyOfRange(images.pixels(), i * size, (i + 1) * size));
      }
      return rows;
    }
    throw new DatasetException("cannot tell what " + input + " is: expected an IDX image file (*idx3-ubyte[.gz]),"
        + " a .csv file, or an image (.png, .jpg, .jpeg, .gif, .bmp)");
  }

  /** Rows of exactly the model's inputs, or of one more column: a label, which is ignored. */
  private static List<float[]> csvRows(Path input, ModelFile model, boolean header) {
    int size = model.network().inputSize();
    CsvReader.Table table;
    try {
      table = CsvReader.read(input, CsvReader.NO_LABEL, header, ',');
    } catch (DatasetException e) {
      if (!header && e.getMessage().startsWith(input + ":1:")) {
        throw new DatasetException(e.getMessage() + "; if that first line is a header, pass --header", e);
      }
      throw e;
    }
    int columns = table.featureCount();
    if (columns != size && columns != size + 1) {
      throw new DatasetException(input + " has " + columns + " columns, but the model " + model.path() + " takes "
          + size + " inputs (expected " + size + " columns, or " + (size + 1) + " with a label last)");
    }
    int count = table.features().length / columns;
    List<float[]> rows = new ArrayList<>();
    for (int r = 0; r < count; r++) {
      rows.add(java.util.Arrays.copyOfRange(table.features(), r * columns, r * columns + size));
    }
    return rows;
  }

  /** Height and width an image is resized to: the CNN's, or a square MLP input's. */
  private static int[] imageShape(ModelFile model, Path input) {
    List<Integer> shape = model.network().inputShape();
    if (shape.size() == 3) {
      return new int[] {shape.get(0), shape.get(1)};
    }
    int side = (int) Math.round(Math.sqrt(shape.get(0)));
    if (side * side != shape.get(0)) {
      throw new DatasetException("model " + model.path() + " takes " + shape.get(0)
          + " inputs, not a square image: it cannot read " + input);
    }
    return new int[] {side, side};
  }
}
