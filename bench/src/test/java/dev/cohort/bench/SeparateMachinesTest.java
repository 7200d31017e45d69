package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.actors.cli.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The separate-machines part of {@code cohort bench speed}, for real and small: a mutual cohort of
 * two JVMs pinned to cores, a solo peer against its steps alone, and a flight-recorded run whose
 * exchange events pair up across the two JVMs. Its numbers are not checked (the machine is
 * shared); that they were measured and written is.
 */
class SeparateMachinesTest {

  @Test
  void measuresPinnedCohortsASoloPeerAndTheExchangeAcrossJvms(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("nodes.md");
    Cli.Result result = Cli.run("bench", "speed", "--only", "nodes", "--quick", "--node-steps", "40",
        "--node-epochs", "2", "--match", "mutual, K=2|solo", "--profile-nodes", "--runs", dir.resolve("runs").toString(),
        "--out", out.toString());
    assertEquals(0, result.code(), result.output());
    String md = Files.readString(out);

    Matcher row = Pattern.compile("\\| mutual, K=2 \\| 1 \\| ([0-9.]+) \\| ([0-9.]+) %").matcher(md);
    assertTrue(row.find(), md);
    assertTrue(Double.parseDouble(row.group(1)) > 0, row.group());
    Matcher solo = Pattern.compile("a solo peer's epoch in the runtime / its steps alone × steps, one pinned JVM \\| ≤ 1.15 \\| ([0-9.]+)")
        .matcher(md);
    assertTrue(solo.find(), md);
    assertTrue(Double.parseDouble(solo.group(1)) > 0, solo.group());
    // the profile paired each batch sent by one JVM with its arrival in the other
    Matcher profile = Pattern.compile("\\| mutual, K=2 \\| [^|]* \\| [^|]* \\| [^|]* \\| [^|]* \\| ([0-9]+), ([0-9]+) \\| ([0-9]+), ([0-9]+) \\|")
        .matcher(md.substring(md.indexOf("### Flight recordings")));
    assertTrue(profile.find(), md.substring(md.indexOf("### Flight recordings")));
    assertTrue(Files.isRegularFile(dir.resolve("runs").resolve("profile-dml2-d0.jvm1.jfr")));
    assertTrue(Files.isRegularFile(dir.resolve("runs").resolve("profile-dml2-d0.jvm2.jfr")));
  }
}
