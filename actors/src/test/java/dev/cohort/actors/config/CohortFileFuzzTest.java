package dev.cohort.actors.config;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutated cohort files through the whole check a launch makes (HOCON parse, the file's root, every
 * setting): each is accepted or refused with the one kind of error the command line prints as one
 * line (a {@link CohortConfigException} or Typesafe Config's own {@link ConfigException}), never
 * another exception. Seeded: a failure repeats.
 */
class CohortFileFuzzTest {

  private static final String VALID = """
      cohort {
        run { id = "fuzz", directory = "runs" }
        data { format = synthetic, validation-size = 100, label-noise = 0.1,
               synthetic { train-examples = 500, test-examples = 200, features = 12, classes = 4, noise = 0.7 },
               csv { train = "a.csv", test = "b.csv", separator = ",", label-column = -1 } }
        training { epochs = 2, batch-size = 50, learning-rate = 0.01, report-every = 5, checkpoint-every = 20 }
        distillation { topology = custom, temperature = 2.0, lambda = 1.0, max-wait = 30s, lookahead = 1,
                       encoding = "top-k", top-k = 3,
                       links = [ { teacher = a, student = b, weight = 2 }, { teacher = b, student = a } ] }
        peers = [ { name = a, model = mlp, hidden = [16, 8], seed = 3, encoding = float16 },
                  { name = b, model = cnn, conv = [4], hidden = [8], learning-rate = 0.002 } ]
        cluster { nodes = 2, startup-timeout = 60s, max-restarts = 1 }
        dashboard { host = "127.0.0.1", port = 0, client-buffer = 16, allowed-hosts = ["cohort.example.org"] }
      }
      """;

  /** Pieces a mutation inserts: HOCON's punctuation, values of every type, a NUL, keys. */
  private static final List<String> PIECES = List.of("{", "}", "[", "]", "=", ":", ",", "\"", "\n", "#", "${x}",
      "-1", "0", "1e400", "NaN", "-0.5", "99999999999", "2147483648", "true", "null", "\"\"", "\"\\u0000\"", "../x",
      "10s", "-3s", "cohort.", "peers", "topology", "dml", "ring", "name", "a", "include \"x\"", "\t", "é", "[]", "{}");

  private static String mutate(String text, Random random) {
    StringBuilder out = new StringBuilder(text);
    for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
      int at = random.nextInt(out.length() + 1);
      switch (random.nextInt(4)) {
        case 0 -> out.insert(at, PIECES.get(random.nextInt(PIECES.size())));
        case 1 -> out.delete(at, Math.min(out.length(), at + 1 + random.nextInt(12)));
        case 2 -> {
          int end = Math.min(out.length(), at + 1 + random.nextInt(6));
          out.replace(at, end, PIECES.get(random.nextInt(PIECES.size())));
        }
        default -> {
          if (at < out.length()) {
            out.setCharAt(at, (char) (32 + random.nextInt(95)));
          }
        }
      }
    }
    return out.toString();
  }

  @Test
  void everyMutatedCohortFileIsAcceptedOrRefusedInOneLine() {
    Random random = new Random(27);
    int accepted = 0;
    int refused = 0;
    for (int round = 0; round < 5_000; round++) {
      String text = mutate(VALID, random);
      try {
        Config file = ConfigFactory.parseString(text);
        SettingsParser.checkFile(file, "fuzz.conf");
        SettingsParser.parse(file);
        accepted++;
      } catch (CohortConfigException | ConfigException e) {
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank() && !e.getMessage().contains("\n"),
            "one line: " + e.getMessage());
        refused++;
      } catch (RuntimeException e) {
        fail("round " + round + ": " + e + " for\n" + text, e);
      }
    }
    assertTrue(accepted > 50 && refused > 1000, "accepted " + accepted + ", refused " + refused);
  }
}
