package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.actors.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code cohort bench} is the command line's as soon as this module is on the class path (as
 * {@code ./cohort} runs it): its help, and a misspelt benchmark is one line with picocli's guess.
 */
class BenchCommandTest {

  private record Result(int code, String out, String err) {}

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

  @Test
  void everyBenchmarkHasItsOwnHelpOnTheCohortCommandLine() {
    for (String[] command : new String[][] {{"bench"}, {"bench", "learning"}, {"bench", "dashboard"},
        {"bench", "speed"}}) {
      String[] words = java.util.Arrays.copyOf(command, command.length + 1);
      words[command.length] = "--help";
      Result help = run(words);
      assertEquals(0, help.code(), String.join(" ", words) + ": " + help.err());
      assertTrue(help.out().startsWith("Usage: cohort " + String.join(" ", command)), help.out());
    }
    assertTrue(run("bench", "speed", "--help").out().contains("--only"));
  }

  @Test
  void aMisspeltBenchmarkIsOneLineWithAGuess() {
    Result result = run("bench", "sped");
    assertEquals(2, result.code(), result.err());
    assertEquals(1, result.err().lines().count(), result.err());
    assertTrue(result.err().startsWith("error: unknown command 'sped'") && result.err().contains("did you mean speed?"),
        result.err());
  }
}
