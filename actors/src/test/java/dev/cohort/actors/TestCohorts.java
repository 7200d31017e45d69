package dev.cohort.actors;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import java.nio.file.Path;

/** Small cohorts on synthetic data, for tests. */
public final class TestCohorts {

  private TestCohorts() {}

  /**
   * A cohort of peers {@code names} (MLP [16]) on 600 synthetic examples (4 classes), batch 50,
   * validation 100, in {@code runs}; {@code extra} is HOCON inside {@code cohort { }} that wins.
   * Mutual learning, or independent training for one peer (dml needs two).
   */
  public static CohortSettings settings(Path runs, String runId, String extra, String... names) {
    StringBuilder peers = new StringBuilder();
    for (String name : names) {
      peers.append("{ name = \"").append(name).append("\", model = mlp, hidden = [16] }\n");
    }
    String hocon =
        "cohort {\n"
            + "run { id = \"" + runId + "\", directory = \"" + runs.toString().replace("\\", "/") + "\" }\n"
            + "data { format = synthetic, validation-size = 100, seed = 3,\n"
            + "       synthetic { train-examples = 500, test-examples = 200, features = 12, classes = 4, noise = 0.7 } }\n"
            + "training { epochs = 1, batch-size = 50, learning-rate = 0.01, report-every = 5 }\n"
            + "distillation { topology = " + (names.length == 1 ? "independent" : "dml")
            + ", temperature = 2.0, lambda = 1.0, max-wait = 30s }\n"
            + "peers = [\n" + peers + "]\n"
            + extra + "\n"
            + "}\n";
    return SettingsParser.parse(ConfigFactory.parseString(hocon));
  }
}
