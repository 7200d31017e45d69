package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.actors.launch.ChildNodes;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input ends with one line naming the culprit (exit code 2), before any node starts. */
class MainTest {

  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  /** Runs the command line with standard output and error captured. */
  private static Result run(String... args) {
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
  }

  private Path cohortFile(String body) throws IOException {
    Path file = dir.resolve("cohort.conf");
    Files.writeString(file, "cohort.run.directory = \"" + dir.resolve("runs") + "\"\n" + body);
    return file;
  }

  private static void assertOneCleanError(Result result, String... fragments) {
    assertEquals(2, result.code(), result.err());
    assertTrue(result.err().startsWith("error: "), result.err());
    assertEquals(1, result.err().lines().count(), "one line: " + result.err());
    assertFalse(result.err().contains("\tat "), "no stack trace: " + result.err());
    for (String fragment : fragments) {
      assertTrue(result.err().contains(fragment), "'" + fragment + "' in: " + result.err());
    }
  }

  @Test
  void everyCommandHasItsOwnHelp() {
    for (String[] command : new String[][] {{"run"}, {"demo"}, {"node"}, {"extract"}, {"report"}, {"evaluate"},
        {"predict"}, {"fuse"}}) {
      String[] words = java.util.Arrays.copyOf(command, command.length + 1);
      words[command.length] = "--help";
      Result help = run(words);
      assertEquals(0, help.code(), String.join(" ", words) + ": " + help.err());
      assertTrue(help.out().startsWith("Usage: cohort " + String.join(" ", command)), help.out());
    }
    assertTrue(run("run", "--help").out().contains("--nodes=N"));
    assertTrue(run("node", "--help").out().contains("--seed=HOST:PORT"));
    assertFalse(run("run", "--help").out().contains("--version"), "no version option that prints nothing");
  }

  @Test
  void theJvmsALaunchStartsRunThisCommandLine() {
    assertEquals(Main.class.getName(), ChildNodes.MAIN_CLASS);
  }

  @Test
  void aMissingCohortFileIsNamed() {
    assertOneCleanError(run("run", dir.resolve("nope.conf").toString()), "cohort file not found", "nope.conf");
  }

  @Test
  void anUnknownKeyIsNamedWithItsFile() throws IOException {
    Path file = cohortFile("cohort.training.epoch = 3\n");
    assertOneCleanError(run("run", file.toString()), "unknown key cohort.training.epoch", "cohort.conf");
  }

  @Test
  void anUnknownValueNamesTheKeyAndTheChoices() throws IOException {
    Path file = cohortFile("cohort.distillation.topology = teacher\n");
    assertOneCleanError(run("run", file.toString()), "cohort.distillation.topology = 'teacher'", "[independent, dml, ensemble, ta-chain, ring, random-k, node-ensemble, codistill, kd, custom]");
  }

  @Test
  void aMissingDatasetSaysWhatToInstall() throws IOException {
    Path file = cohortFile("");
    assertOneCleanError(
        run("run", file.toString(), "--data", dir.resolve("no-data").toString()),
        "train-images-idx3-ubyte", "dataset-fashion-mnist");
    assertFalse(Files.exists(dir.resolve("runs")), "nothing is created for a run that cannot start");
  }

  @Test
  void aCorruptDatasetFileIsNamed() throws IOException {
    Path data = Files.createDirectories(dir.resolve("data"));
    for (String name : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
      try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(data.resolve(name)))) {
        out.writeInt(0x12345678);
      }
    }
    assertOneCleanError(
        run("run", cohortFile("").toString(), "--data", data.toString()),
        data.resolve("train-images-idx3-ubyte").toString(), "magic number 0x12345678");
  }

  /** A CSV of 4 features and 3 classes, label last; {@code broken} drops the label of line 5. */
  private Path csvData(String name, int rows, boolean broken) throws IOException {
    StringBuilder csv = new StringBuilder("f1,f2,f3,f4,label\n");
    java.util.SplittableRandom random = new java.util.SplittableRandom(rows);
    for (int r = 0; r < rows; r++) {
      int label = random.nextInt(3);
      java.util.List<String> cells = new java.util.ArrayList<>();
      for (int f = 0; f < 4; f++) {
        cells.add(String.format(java.util.Locale.ROOT, "%.3f", label * (f + 1) + random.nextDouble()));
      }
      if (!(broken && r == 3)) {
        cells.add(String.valueOf(label));
      }
      csv.append(String.join(",", cells)).append('\n');
    }
    Path file = dir.resolve(name);
    Files.writeString(file, csv.toString());
    return file;
  }

  @Test
  void aCohortRunsOnCsvData() throws IOException {
    Path train = csvData("train.csv", 300, false);
    Path test = csvData("test.csv", 60, false);
    Path file = cohortFile("cohort { data { format = csv, validation-size = 50, csv { train = \"" + train + "\", test = \""
        + test + "\" } }\n training.epochs = 2\n cluster.nodes = 1\n peers = [{name = a, hidden = [8]}, {name = b, hidden = [8]}] }\n");
    Result result = run("run", file.toString());
    assertEquals(0, result.code(), result.err());
    try (var runs = Files.list(dir.resolve("runs"))) {
      Path run = runs.findFirst().orElseThrow();
      assertTrue(Files.readString(run.resolve("best/model-card.json")).contains("MLP 4-8-3"));
    }
  }

  @Test
  void aRaggedCsvRowIsNamedByFileAndLine() throws IOException {
    Path train = csvData("train.csv", 10, true);
    Path file = cohortFile("cohort.data { format = csv, validation-size = 2, csv { train = \"" + train + "\", test = \""
        + train + "\" } }\n");
    assertOneCleanError(run("run", file.toString()), train + ":5: 4 columns, expected 5 like the first row");
  }

  @Test
  void aCnnOnDataWithoutImagesIsRejectedBeforeAnythingStarts() throws IOException {
    Path file = cohortFile("cohort { data.format = synthetic, distillation.topology = independent, peers = [{name = lenet, model = cnn}] }\n");
    assertOneCleanError(run("run", file.toString()), "peer lenet is a CNN, which needs image data");
  }

  @Test
  void anUnknownOptionOrCommandIsAUsageError() throws IOException {
    assertOneCleanError(run("run", cohortFile("").toString(), "--epochs", "3"), "unknown option '--epochs' for cohort run",
        "'cohort run --help' lists its options");
    assertOneCleanError(run("train"), "unknown command 'train'", "'cohort --help' lists the commands");
    assertOneCleanError(run("run", cohortFile("").toString(), "--node", "3"), "unknown option '--node'", "did you mean --nodes?");
    assertOneCleanError(run("run", cohortFile("").toString(), "--spawn", "two"), "'--spawn'", "'two' is not an int");
    assertOneCleanError(run("evaluate", "model.zip"), "Missing required option: '--data=PATH'");
    assertOneCleanError(run("run", cohortFile("").toString(), "--set", "epochs"), "--set expects key=value");
  }
}
