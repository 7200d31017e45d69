package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.actors.cli.Cli;
import org.junit.jupiter.api.Test;

/**
 * {@code cohort bench} is the command line's as soon as this module is on the class path (as
 * {@code ./cohort} runs it): its help, and a misspelt benchmark is one line with picocli's guess.
 */
class BenchCommandTest {

  @Test
  void everyBenchmarkHasItsOwnHelpOnTheCohortCommandLine() {
    for (String[] command : new String[][] {{"bench"}, {"bench", "learning"}, {"bench", "dashboard"},
        {"bench", "speed"}}) {
      String[] words = java.util.Arrays.copyOf(command, command.length + 1);
      words[command.length] = "--help";
      Cli.Result help = Cli.run(words);
      assertEquals(0, help.code(), String.join(" ", words) + ": " + help.output());
      assertTrue(help.output().startsWith("Usage: cohort " + String.join(" ", command)), help.output());
    }
    assertTrue(Cli.run("bench", "speed", "--help").output().contains("--only"));
  }

  @Test
  void aMisspeltBenchmarkIsOneLineWithAGuess() {
    Cli.Result result = Cli.run("bench", "sped");
    assertEquals(2, result.code(), result.output());
    assertEquals(1, result.output().lines().count(), result.output());
    assertTrue(result.output().startsWith("error: unknown command 'sped'")
        && result.output().contains("did you mean speed?"), result.output());
  }
}
