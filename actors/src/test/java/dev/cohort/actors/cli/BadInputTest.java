package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of bad cohort files and command lines, each with what its one line must say: exit code
 * 2, one line starting "error:", no stack trace, the culprit named — and nothing written, since
 * every check runs before anything starts. In a cohort file or a line, {@code DIR} is this test's
 * folder (which holds the data files the cases name).
 */
class BadInputTest {

  @TempDir static Path dir;

  /** A good cohort file's body (inside cohort { }): two small MLP peers on synthetic data. */
  private static final String GOOD = """
      run.directory = "DIR/runs"
      data { format = synthetic, validation-size = 100,
             synthetic { train-examples = 500, test-examples = 100, features = 8, classes = 4 } }
      training { epochs = 1, batch-size = 50 }
      peers = [ { name = a, hidden = [8] }, { name = b, hidden = [8] } ]
      dashboard.port = 0
      """;

  private static final String CSV = """
      run.directory = "DIR/runs"
      data { format = csv, validation-size = 50, csv { train = "DIR/small.csv", test = "DIR/small.csv" } }
      peers = [ { name = a, hidden = [8] }, { name = b, hidden = [8] } ]
      dashboard.port = 0
      """;

  @BeforeAll
  static void dataFiles() throws IOException {
    writeCsv(dir.resolve("small.csv"), 200, row -> row % 3);
    writeCsv(dir.resolve("huge-label.csv"), 200, row -> row == 57 ? 2_000_000_000L : row % 3);
    writeCsv(dir.resolve("many-labels.csv"), 100_002, row -> row); // each row its own class
    Files.writeString(dir.resolve("a-file"), "not a folder\n");
  }

  private interface Label {
    long of(int row);
  }

  /** A header line, then {@code rows} rows of two features and a label. */
  private static void writeCsv(Path file, int rows, Label label) throws IOException {
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      out.write("x1,x2,label\n");
      for (int r = 0; r < rows; r++) {
        out.write((r % 7) / 7.0 + "," + (r % 5) / 5.0 + "," + label.of(r) + "\n");
      }
    }
  }

  /** A case: its cohort file's text ({@code null}: no file), its command line, what its line says. */
  private static Arguments bad(String name, String file, String line, String... says) {
    return Arguments.of(name, file, line, List.of(says));
  }

  private static String cohort(String body) {
    return "cohort {\n" + body + "\n}\n";
  }

  static Stream<Arguments> corpus() {
    String good = cohort(GOOD);
    return Stream.of(
        // the dashboard's settings, checked before the run starts
        bad("port above 65535", good, "run FILE --set dashboard.port=70000", "cohort.dashboard.port = 70000", "0 for any free port"),
        bad("negative port", good, "run FILE --set dashboard.port=-1", "cohort.dashboard.port = -1"),
        bad("no client buffer", good, "run FILE --set dashboard.client-buffer=0", "cohort.dashboard.client-buffer = 0"),
        bad("no replay", good, "run FILE --set dashboard.replay=-5", "cohort.dashboard.replay = -5"),
        bad("host no address", good, "run FILE --set dashboard.host=999.1.1.1", "cohort.dashboard.host = '999.1.1.1'"),
        bad("host elsewhere", good, "run FILE --set dashboard.host=192.0.2.1", "cohort.dashboard.host = 192.0.2.1",
            "not an address of this machine"),
        bad("host that does not resolve", good, "run FILE --set dashboard.host=no-such-host.invalid", "no such host"),
        bad("allowed host with a space", good, "run FILE --set dashboard.allowed-hosts=[\"a b\"]",
            "cohort.dashboard.allowed-hosts"),
        bad("stall-after zero", good, "run FILE --set dashboard.stall-after=0s", "cohort.dashboard.stall-after"),
        // the file as a whole
        bad("misspelt root", "cohrot { training.epochs = 1 }\n", "run FILE", "unknown top-level key 'cohrot'",
            "cohort { ... }"),
        bad("no root", "training.epochs = 1\n", "run FILE", "unknown top-level key 'training'", "(line 1)"),
        bad("a second root", good + "dashbaord.port = 1\n", "run FILE", "unknown top-level key 'dashbaord'"),
        bad("empty file", "# nothing yet\n", "run FILE", "has no cohort { ... } section"),
        bad("root not a section", "cohort = 3\n", "run FILE", "must be a section"),
        bad("not HOCON", "cohort { peers = [ }\n", "run FILE", "cannot parse"),
        bad("unknown key", good + "cohort.training.epoch = 2\n", "run FILE", "unknown key cohort.training.epoch"),
        // the run's folder stays inside run.directory
        bad("run id climbs out", good, "run FILE --set run.id=\"../../../tmp/x\"", "cohort.run.id = '../../../tmp/x'"),
        bad("run id absolute", good, "run FILE --set run.id=\"/tmp/x\"", "cohort.run.id = '/tmp/x'"),
        bad("run id with a folder", good, "run FILE --set run.id=a/b", "cohort.run.id = 'a/b'"),
        bad("run id with markup", good, "run FILE --set run.id=\"r</title><script>alert(1)</script>\"", "cohort.run.id"),
        bad("run directory is a file", good, "run FILE --set run.directory=DIR/a-file",
            "cannot create the run directory", "cohort.run.directory = DIR/a-file", "Not a directory"),
        // impossible combinations
        bad("dml of one", good, "run FILE --set peers=[{name=a}]", "cohort.distillation.topology = dml needs at least 2 peers",
            "topology = independent"),
        bad("ensemble of one", good, "run FILE --set peers=[{name=a}] --set distillation.topology=ensemble", "ensemble needs at least 2"),
        bad("chain of one", good, "run FILE --set peers=[{name=a}] --set distillation.topology=ta-chain", "ta-chain needs at least 2"),
        bad("codistillation of one", good, "run FILE --set peers=[{name=a}] --set distillation.topology=codistill",
            "codistill needs at least 2"),
        bad("kd of one", good, "run FILE --set peers=[{name=a}] --set distillation.topology=kd", "kd needs at least 2"),
        bad("co-teaching of one", good, "run FILE --set peers=[{name=a}] --set distillation.topology=independent"
            + " --set distillation.selection.method=co-teaching", "cohort.distillation.selection.method = co-teaching"
            + " needs at least 2 peers"),
        bad("selection without teachers", good, "run FILE --set distillation.topology=independent"
            + " --set distillation.selection.method=jocor", "selection.method = jocor needs a lock-step topology"),
        bad("forget everything", good, "run FILE --set distillation.selection.forget-rate=1.5",
            "cohort.distillation.selection.forget-rate = 1.5", "[0, 1) or auto"),
        bad("noise of no kind", good, "run FILE --set data.label-noise-type=asym", "cohort.data.label-noise-type = 'asym'",
            "[symmetric, pair]"),
        bad("random-k as large as the cohort", good, "run FILE --set distillation.topology=random-k"
            + " --set distillation.random-k.k=2", "cohort.distillation.random-k.k = 2", "1..1"),
        bad("random-k never redrawn", good, "run FILE --set distillation.topology=random-k"
            + " --set distillation.random-k.k=1 --set distillation.random-k.redraw-every=0",
            "cohort.distillation.random-k.redraw-every = 0"),
        bad("random-k of one", good, "run FILE --set peers=[{name=a}] --set distillation.topology=random-k",
            "random-k needs at least 2"),
        bad("node-ensemble on one node", good, "run FILE --set distillation.topology=node-ensemble",
            "cohort.distillation.topology = node-ensemble", "cohort.cluster.nodes >= 2, found 1"),
        bad("node-ensemble weighing its teachers", good, "run FILE --set distillation.topology=node-ensemble"
            + " --set cluster.nodes=2 --set distillation.teacher-weighting=correction",
            "cohort.distillation.teacher-weighting must be none", "found correction"),
        bad("synthetic classes", good, "run FILE --set data.synthetic.classes=200000", "cohort.data.synthetic.classes = 200000"),
        bad("zero epochs", good, "run FILE --set training.epochs=0", "cohort.training.epochs = 0"),
        bad("negative lambda", good, "run FILE --set distillation.lambda=-1", "cohort.distillation.lambda = -1"),
        bad("set without value", good, "run FILE --set training.epochs", "--set expects key=value"),
        // the data
        bad("validation as large as the data", cohort(CSV), "run FILE --set data.validation-size=200",
            "cohort.data.validation-size = 200", "expected 1..199", "DIR/small.csv"),
        bad("a label far too large", cohort(CSV), "run FILE --set data.csv.train=DIR/huge-label.csv",
            "DIR/huge-label.csv:59", "label 2000000000", "at most 100000 classes"),
        bad("a label per row", cohort(CSV), "run FILE --set data.csv.train=DIR/many-labels.csv",
            "DIR/many-labels.csv:100002", "label 100000"),
        // the other commands
        bad("live without a URL", null, "extract --live notaurl --token t", "--live notaurl is not a dashboard URL"),
        bad("live with another scheme", null, "extract --live ftp://127.0.0.1:1/ --token t", "not a dashboard URL"),
        bad("live token from nowhere", null, "extract --live http://127.0.0.1:1/ --run DIR/nowhere",
            "--run DIR/nowhere", "dashboard.token"),
        bad("extract into a file's folder", null, "extract DIR/nowhere --out DIR/a-file/m.zip",
            "--out DIR/a-file/m.zip", "is a file, not a folder"),
        bad("extract onto a folder", null, "extract DIR/nowhere --out DIR", "--out DIR is a folder"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void endsInOneLineNamingTheCulpritAndWritesNothing(String name, String file, String line, List<String> says)
      throws IOException {
    String folder = dir.toString();
    Path cohortFile = dir.resolve(name.replace(' ', '-') + ".conf");
    if (file != null) {
      Files.writeString(cohortFile, file.replace("DIR", folder));
    }
    List<String> args = new ArrayList<>();
    for (String word : line.split(" (?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) { // spaces outside quotes
      args.add(word.replace("FILE", cohortFile.toString()).replace("DIR", folder));
    }
    Cli.Result result = Cli.run(args.toArray(String[]::new));
    String output = result.output();
    assertEquals(2, result.code(), name + ": " + output);
    List<String> errors = output.lines().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), name + ": one error line in\n" + output);
    assertFalse(output.contains("\tat ") || output.contains("Exception:"), name + ": no stack trace in\n" + output);
    for (String fragment : says) {
      assertTrue(errors.get(0).contains(fragment.replace("DIR", folder)), name + ": '" + fragment + "' in " + errors.get(0));
    }
    assertFalse(Files.exists(dir.resolve("runs")), name + ": nothing is created for a run that cannot start");
  }

  @Test
  void aPeerThatFailsBeforeRegisteringEndsTheRunAtOnceWithItsOwnError() throws IOException {
    // One row of float32 predictions over 60,000 classes is more than a message carries: each peer
    // fails as it builds its links, after the launcher's checks. The run must end on that, long
    // before the 10 minutes of startup-timeout, and say why.
    Path file = dir.resolve("too-wide.conf");
    Files.writeString(file, cohort(GOOD.replace("DIR", dir.toString()).replace("classes = 4", "classes = 60000")
        .replace("train-examples = 500", "train-examples = 300").replace("features = 8", "features = 4")
        + "\ncluster.startup-timeout = 10m\ndashboard.enabled = false\nrun.id = too-wide\n"));
    Cli.Result result = Cli.run("run", file.toString());
    assertEquals(1, result.code(), result.output());
    assertTrue(result.output().contains("cannot start") && result.output().contains("use top-k"), result.output());
    assertFalse(result.output().contains("did not register"), result.output());
    // (The peers' WARN lines carry stack traces here because tests log with logback-test.xml; the
    // terminal of a real run shows exceptions in one line: TerminalCauseTest.)
    deleteTree(dir.resolve("runs"));
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
