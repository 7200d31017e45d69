package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  private record Result(int code, String err) {}

  private static Result run(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return new Result(Main.run(args), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
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
    assertFalse(result.err().contains("\tat "), "no stack trace: " + result.err());
    for (String fragment : fragments) {
      assertTrue(result.err().contains(fragment), "'" + fragment + "' in: " + result.err());
    }
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
    assertOneCleanError(run("run", file.toString()), "cohort.distillation.topology = 'teacher'", "[independent, dml, ensemble, ta-chain, codistill, custom]");
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

  @Test
  void anUnknownOptionOrCommandIsAUsageError() throws IOException {
    assertOneCleanError(run("run", cohortFile("").toString(), "--epochs", "3"), "unknown option --epochs");
    assertOneCleanError(run("train"), "unknown command 'train'");
    assertOneCleanError(run("run", cohortFile("").toString(), "--set", "epochs"), "--set expects key=value");
  }
}
