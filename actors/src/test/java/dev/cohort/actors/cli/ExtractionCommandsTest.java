package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.data.RunData;
import dev.cohort.actors.extract.RunModels;
import dev.cohort.actors.extract.Selection;
import dev.cohort.model.nn.PeerNetwork;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * extract, evaluate, predict and fuse on a run directory made by a real (small, synthetic) run:
 * selection by each metric against numbers computed here, the model card, evaluate reproducing
 * the card's test accuracy, predict on each input kind, and every bad input named — with the run
 * directory untouched by the commands that fail.
 */
class ExtractionCommandsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static Path run;
  private static CohortSettings settings;
  private static RunData data;
  private static List<RunModels.Peer> peers;

  @BeforeAll
  static void runACohort() throws IOException {
    Path file = dir.resolve("cohort.conf");
    Files.writeString(
        file,
        "cohort {\n"
            + "  run { id = \"x\", directory = \"" + dir.resolve("runs") + "\" }\n"
            + "  data { format = synthetic, validation-size = 200,\n"
            + "         synthetic { train-examples = 600, test-examples = 200, features = 16, classes = 3, noise = 1.5 } }\n"
            + "  training { epochs = 3, batch-size = 50, learning-rate = 0.01 }\n"
            + "  peers = [ { name = a, hidden = [32] }, { name = b, hidden = [8] }, { name = c, hidden = [2] } ]\n"
            + "}\n");
    Cli.Result result = Cli.run("run", file.toString());
    assertEquals(0, result.code(), result.output());
    run = dir.resolve("runs/x");
    settings = RunModels.settings(run);
    data = RunData.load(settings.data());
    peers = RunModels.peers(run, settings, data, note -> {});
  }

  private static List<Selection.Candidate> candidates() {
    return peers.stream().map(p -> new Selection.Candidate(p.spec().name(), p.network().parameterCount(),
        p.validation().accuracy(), p.validation().crossEntropy())).toList();
  }

  /** Every file of the run directory with its size and modification time. */
  private static Map<String, String> snapshot() throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(run)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        files.put(run.relativize(f).toString(), Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis());
      }
    }
    return files;
  }

  @Test
  void extractChoosesByEachMetricOnTheValidationSplitAndWritesACompleteCard() throws IOException {
    java.util.Set<String> chosenPeers = new java.util.TreeSet<>();
    for (String metric : List.of("val_accuracy", "val_nll", "smallest-within:5")) {
      String expected = Selection.parse(metric).choose(candidates()).name();
      Path out = dir.resolve("extract-" + metric.replace(':', '-')).resolve("model.zip");
      Cli.Result result = Cli.run("extract", run.toString(), "--metric", metric, "--out", out.toString());
      assertEquals(0, result.code(), result.output());
      JsonNode card = JSON.readTree(out.resolveSibling("model-card.json").toFile());
      assertEquals(expected, card.get("peer").asText(), metric + "\n" + result.output());
      chosenPeers.add(expected);

      RunModels.Peer chosen = peers.stream().filter(p -> p.spec().name().equals(expected)).findFirst().orElseThrow();
      PeerNetwork.Evaluation test = chosen.network().evaluate(data.test());
      assertEquals(test.accuracy(), card.get("testAccuracy").asDouble(), 0.0);
      assertEquals(test.crossEntropy(), card.get("testLoss").asDouble(), 1e-12);
      assertEquals(chosen.validation().accuracy(), card.get("validationAccuracy").asDouble(), 0.0);
      assertEquals(200, card.get("testExamples").asInt());
      assertEquals(Files.size(out), card.get("modelBytes").asLong());
      assertEquals("model.zip", card.get("modelFile").asText());
      assertEquals(chosen.network().parameterCount(), card.get("parameterCount").asLong());
      assertTrue(card.get("architecture").asText().startsWith("MLP 16-"), card.toString());
      assertEquals("[16]", card.get("inputShape").toString());
      assertEquals("[\"0\",\"1\",\"2\"]", card.get("classNames").toString());
      assertEquals(2, card.get("teachers").size(), "dml: taught by the two others");
      assertEquals(64, card.get("dataSha256").asText().length());
      assertEquals(3, card.get("config").get("peers").size());
      assertEquals(Selection.parse(metric).describe(), card.get("selectedBy").asText());
      assertEquals(chosen.network().parameters(), PeerNetwork.load(out, "x").parameters(), "the very weights chosen");
    }
    assertTrue(chosenPeers.size() >= 2, "the metrics disagree on this cohort, so the test can tell them apart: " + chosenPeers
        + " from " + candidates());
  }

  @Test
  void evaluateOnACsvOfTheTestSplitReproducesTheCardsTestAccuracy() throws IOException {
    Path out = dir.resolve("eval/model.zip");
    assertEquals(0, Cli.run("extract", run.toString(), "--out", out.toString()).code());
    JsonNode card = JSON.readTree(out.resolveSibling("model-card.json").toFile());
    JsonNode runCard = JSON.readTree(run.resolve("best/model-card.json").toFile());
    assertEquals(runCard.get("peer").asText(), card.get("peer").asText(), "offline, the same choice as the run's");
    assertEquals(runCard.get("testAccuracy").asDouble(), card.get("testAccuracy").asDouble(), 0.0);
    Path csv = csv(dir.resolve("test.csv"), data.test(), true, 1, 0);
    Path png = dir.resolve("confusion.png");
    Cli.Result result = Cli.run("evaluate", out.toString(), "--data", csv.toString(), "--png", png.toString());
    assertEquals(0, result.code(), result.output());
    assertTrue(result.output().contains(String.format(Locale.ROOT, "accuracy %.4f", card.get("testAccuracy").asDouble())),
        result.output());
    assertTrue(result.output().contains("ece") && result.output().contains("confusion matrix"), result.output());
    BufferedImage image = ImageIO.read(png.toFile());
    assertTrue(image.getWidth() > 100, "a PNG of the confusion matrix");
  }

  @Test
  void predictReadsCsvIdxAndImages() throws IOException {
    Path out = dir.resolve("predict/model.zip");
    assertEquals(0, Cli.run("extract", run.toString(), "--out", out.toString()).code());
    Path withLabels = csv(dir.resolve("rows-labelled.csv"), data.test(), false, 1, 0);
    Path features = dir.resolve("rows.csv");
    Files.writeString(features, "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2,1.3,1.4,1.5,1.6\n");
    Path idx = writeIdx(dir.resolve("two-idx3-ubyte"), 2, 4, 4);
    Path png = dir.resolve("four.png");
    ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", png.toFile());

    Cli.Result result = Cli.run("predict", out.toString(), features.toString(), idx.toString(), png.toString(),
        withLabels.toString(), "--top", "2");
    assertEquals(0, result.code(), result.output());
    List<JsonNode> lines = new ArrayList<>();
    for (String line : result.output().strip().split("\n")) {
      lines.add(JSON.readTree(line));
    }
    assertEquals(1 + 2 + 1 + 200, lines.size());
    for (JsonNode line : lines) {
      assertEquals(2, line.get("top").size());
      double first = line.get("top").get(0).get("probability").asDouble();
      assertTrue(first >= line.get("top").get(1).get("probability").asDouble() && first <= 1, line.toString());
    }
    assertEquals(png.toString(), lines.get(3).get("input").asText());
    // The labelled CSV's rows get the predictions evaluate scores: the same top class as the model's.
    PeerNetwork model = PeerNetwork.load(out, "x");
    float[] p = model.evaluate(data.test()).probabilities();
    int argMax = p[0] >= p[1] && p[0] >= p[2] ? 0 : p[1] >= p[2] ? 1 : 2;
    assertEquals(argMax, lines.get(4).get("top").get(0).get("class").asInt());

    // A CSV in the training file's format (a header line first) with --header: the same predictions.
    Path withHeader = csv(dir.resolve("rows-header.csv"), data.test(), true, 1, 0);
    Cli.Result headed = Cli.run("predict", out.toString(), withHeader.toString(), "--header", "--top", "2");
    assertEquals(0, headed.code(), headed.output());
    List<String> headedLines = headed.output().strip().lines().toList();
    assertEquals(200, headedLines.size());
    assertEquals(lines.get(4).get("top"), JSON.readTree(headedLines.get(0)).get("top"));
  }

  @Test
  void badInputsAreOneClearErrorAndTheRunDirectoryIsUntouched() throws IOException {
    Path model = dir.resolve("bad/model.zip");
    assertEquals(0, Cli.run("extract", run.toString(), "--out", model.toString()).code());
    Map<String, String> before = snapshot();

    Path truncated = dir.resolve("truncated.zip");
    byte[] bytes = Files.readAllBytes(model);
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    expectError(List.of("truncated.zip", "not a DL4J model zip"), "evaluate", truncated.toString(), "--data", csv(dir.resolve("t.csv"), data.test(), true, 1, 0).toString());

    Path foreign = dir.resolve("foreign.zip");
    try (OutputStream file = Files.newOutputStream(foreign); ZipOutputStream zip = new ZipOutputStream(file)) {
      zip.putNextEntry(new ZipEntry("readme.txt"));
      zip.write("not a model".getBytes());
    }
    expectError(List.of("foreign.zip", "not a DL4J model zip"), "predict", foreign.toString(), "x.csv");

    Path wrongColumns = dir.resolve("wrong.csv");
    Files.writeString(wrongColumns, "1,2,3,0\n4,5,6,1\n");
    expectError(List.of("wrong.csv", "takes 16 input values", "has 3 per example"), "evaluate", model.toString(), "--data", wrongColumns.toString());
    expectError(List.of("wrong.csv", "4 columns", "expected 16 columns"), "predict", model.toString(), wrongColumns.toString());

    Path ragged = dir.resolve("ragged.csv");
    Files.writeString(ragged, "h\n1,2\n1,2,3\n");
    expectError(List.of("ragged.csv:3", "3 columns, expected 2"), "evaluate", model.toString(), "--data", ragged.toString());

    Path notAnImage = dir.resolve("photo.png");
    Files.writeString(notAnImage, "this is no image");
    expectError(List.of("photo.png", "cannot read image"), "predict", model.toString(), notAnImage.toString());

    Path idxWrongShape = writeIdx(dir.resolve("wide-idx3-ubyte"), 1, 3, 3);
    expectError(List.of("wide-idx3-ubyte", "takes 16 input values", "has 9"), "predict", model.toString(), idxWrongShape.toString());

    expectError(List.of("nowhere", "not a run directory"), "extract", dir.resolve("nowhere").toString());
    expectError(List.of("test_accuracy"), "extract", run.toString(), "--metric", "test_accuracy");
    expectError(List.of("--into mlp:x"), "fuse", run.toString(), "--into", "mlp:x");
    expectError(List.of("missing.zip", "not found"), "evaluate", dir.resolve("missing.zip").toString(), "--data", ragged.toString());
    Path headed = csv(dir.resolve("headed.csv"), data.test(), true, 1, 0);
    expectError(List.of("headed.csv:1", "--header"), "predict", model.toString(), headed.toString());
    Path aFile = dir.resolve("a-file");
    Files.writeString(aFile, "in the way");
    expectError(List.of("--out", "a-file is a file, not a folder"), "extract", run.toString(), "--out",
        aFile.resolve("m.zip").toString());
    expectError(List.of("--out", "is a folder"), "extract", run.toString(), "--out", dir.toString());
    expectError(List.of("--out", "a-file is a file, not a folder"), "fuse", run.toString(), "--into", "mlp:8",
        "--out", aFile.resolve("sub/m.zip").toString());
    expectError(List.of("--live", "not a dashboard URL"), "extract", "--live", "notaurl", "--token", "t");

    assertEquals(before, snapshot(), "no failed command touched the run directory");
  }

  @Test
  void aStandardisedCsvRunsZScoresGoIntoTheCardAndEvaluateAndPredictApplyThem() throws IOException {
    // The synthetic splits as raw CSV columns on a scale of hundreds, as pixel CSVs come.
    Path train = csv(dir.resolve("z-train.csv"), data.train(), true, 100, 128);
    Path test = csv(dir.resolve("z-test.csv"), data.test(), true, 100, 128);
    Path file = dir.resolve("z.conf");
    Files.writeString(file, "cohort {\n"
        + "  run { id = \"z\", directory = \"" + dir.resolve("runs") + "\" }\n"
        + "  data { format = csv, validation-size = 100, csv { train = \"" + train + "\", test = \"" + test + "\","
        + " standardize = true } }\n"
        + "  training { epochs = 2, batch-size = 50, learning-rate = 0.01 }\n"
        + "  peers = [ { name = a, hidden = [16] }, { name = b, hidden = [16] } ]\n"
        + "}\n");
    Cli.Result result = Cli.run("run", file.toString());
    assertEquals(0, result.code(), result.output());
    Path best = dir.resolve("runs/z/best/model.zip");
    JsonNode card = JSON.readTree(best.resolveSibling("model-card.json").toFile());
    JsonNode z = card.get("inputStandardization");
    assertEquals(16, z.get("mean").size(), card.toString());
    assertTrue(z.get("mean").get(0).asDouble() > 50, "the raw scale's mean: " + z.get("mean"));
    Cli.Result evaluated =
        Cli.run("evaluate", best.toString(), "--data", test.toString(), "--png", dir.resolve("z.png").toString());
    assertEquals(0, evaluated.code(), evaluated.output());
    assertTrue(evaluated.output().contains(String.format(Locale.ROOT, "accuracy %.4f", card.get("testAccuracy").asDouble())),
        "evaluate feeds the model what it was trained on, so it reproduces the card: " + card.get("testAccuracy")
            + "\n" + evaluated.output());
    Path rows = csv(dir.resolve("z-rows.csv"), data.test(), false, 100, 128);
    Cli.Result predicted = Cli.run("predict", best.toString(), rows.toString(), "--top", "1");
    assertEquals(0, predicted.code(), predicted.output());
    String[] lines = predicted.output().strip().split("\n");
    int correct = 0;
    for (int r = 0; r < data.test().size(); r++) {
      correct += JSON.readTree(lines[r]).get("top").get(0).get("class").asInt() == data.test().label(r) ? 1 : 0;
    }
    assertEquals(card.get("testAccuracy").asDouble(), (double) correct / data.test().size(), 1e-9,
        "predict standardises as well");
  }

  @Test
  void fuseDistilsTheCohortIntoOneStudentAndComparesItWithEveryPeer() throws IOException {
    Path out = dir.resolve("fused/model.zip");
    Cli.Result result = Cli.run("fuse", run.toString(), "--into", "mlp:16", "--epochs", "2", "--out", out.toString());
    assertEquals(0, result.code(), result.output());
    JsonNode card = JSON.readTree(out.resolveSibling("model-card.json").toFile());
    JsonNode comparison = card.get("comparison");
    assertEquals(List.of("a", "b", "c"), List.copyOf(iterable(comparison.get("peers").fieldNames())));
    assertEquals(card.get("testAccuracy").asDouble(), comparison.get("student").get("test_accuracy").asDouble(), 0.0);
    assertTrue(comparison.get("ensemble").get("test_accuracy").asDouble() > 0.33);
    assertEquals(peers.get(0).network().evaluate(data.test()).accuracy(),
        comparison.get("peers").get("a").get("test_accuracy").asDouble(), 0.0, "each peer scored on the same test split");
    assertEquals("MLP 16-16-3", card.get("architecture").asText());
    assertTrue(result.output().contains("the fused student beats"), result.output());
    assertTrue(PeerNetwork.load(out, "x").parameterCount() > 0);
  }

  private static <T> List<T> iterable(java.util.Iterator<T> it) {
    List<T> list = new ArrayList<>();
    it.forEachRemaining(list::add);
    return list;
  }

  private static void expectError(List<String> fragments, String... args) {
    Cli.Result result = Cli.run(args);
    assertEquals(2, result.code(), String.join(" ", args) + "\n" + result.output());
    String firstLine = result.output().lines().filter(l -> l.startsWith("error:")).findFirst().orElse(result.output());
    for (String fragment : fragments) {
      assertTrue(firstLine.contains(fragment), "'" + fragment + "' in: " + firstLine);
    }
  }

  /**
   * {@code split} as CSV, every feature written as {@code shift + scale · x} (1 and 0: as it is),
   * label last, with a header line when {@code header}.
   */
  private static Path csv(Path file, dev.cohort.model.data.LabeledData split, boolean header, float scale, float shift)
      throws IOException {
    StringBuilder csv = new StringBuilder();
    if (header) {
      csv.append(String.join(",", java.util.Collections.nCopies(16, "x"))).append(",label\n");
    }
    float[] values = split.rowValues();
    for (int r = 0; r < split.size(); r++) {
      for (int c = 0; c < 16; c++) {
        csv.append(shift + scale * values[r * 16 + c]).append(',');
      }
      csv.append(split.label(r)).append('\n');
    }
    Files.writeString(file, csv);
    return file;
  }

  /** An IDX image file of {@code count} blank-ish images of rows × cols pixels. */
  private static Path writeIdx(Path file, int count, int rows, int cols) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(ByteBuffer.allocate(16).putInt(0x00000803).putInt(count).putInt(rows).putInt(cols).array());
    for (int i = 0; i < count * rows * cols; i++) {
      bytes.write(i * 7 % 256);
    }
    Files.write(file, bytes.toByteArray());
    return file;
  }
}
