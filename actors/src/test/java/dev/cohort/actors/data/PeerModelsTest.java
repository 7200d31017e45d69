package dev.cohort.actors.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.actors.data.RunData;
import org.junit.jupiter.api.Test;

/** `training.engine` reaches the network a peer trains. */
class PeerModelsTest {

  private static final String COHORT = "cohort { data { format = synthetic, validation-size = 50,"
      + " synthetic { train-examples = 200, test-examples = 50, features = 6, classes = 3 } }\n"
      + " peers = [ { name = a, hidden = [8] }, { name = b, hidden = [8] } ] }\n";

  private static String stepPath(String engine) {
    CohortSettings settings =
        SettingsParser.parse(ConfigFactory.parseString(COHORT + " cohort.training.engine = " + engine));
    RunData data = RunData.load(settings.data());
    return PeerModels.network(settings.peers().get(0), data, settings).stepPath();
  }

  @Test
  void theEngineSettingChoosesThePeersStep() {
    assertTrue(stepPath("cohort").startsWith("dense step"), stepPath("cohort"));
    assertEquals("DL4J fit", stepPath("dl4j"));
  }
}
