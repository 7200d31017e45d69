package dev.cohort.actors.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.model.data.LabeledData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDataTest {

  private static final String SYNTHETIC =
      "data { format = synthetic, validation-size = 500, seed = 4,\n"
          + "  synthetic { train-examples = 3000, test-examples = 700, features = 6, classes = 4 } }\n";

  private static RunData load(String hocon) {
    return RunData.load(SettingsParser.parse(ConfigFactory.parseString("cohort {" + hocon + "}")).data());
  }

  private static int[] labels(LabeledData data) {
    return data.labels(data.allRows());
  }

  @Test
  void labelNoiseChangesTheTrainingLabelsOnlyAndTheSameWayEveryTime() {
    RunData clean = load(SYNTHETIC);
    RunData noisy = load(SYNTHETIC + "data.label-noise = 0.4");
    int changed = 0;
    for (int i = 0; i < clean.train().size(); i++) {
      changed += clean.train().label(i) != noisy.train().label(i) ? 1 : 0;
    }
    assertEquals(changed, noisy.noisyLabels());
    assertTrue(changed > 1000 && changed < 1400, changed + " of 3,000 training labels changed at 0.4");
    assertArrayEquals(clean.train().rowValues(), noisy.train().rowValues(), "the same examples, only labels differ");
    assertArrayEquals(labels(clean.validation()), labels(noisy.validation()), "the validation split stays clean");
    assertArrayEquals(labels(clean.test()), labels(noisy.test()), "the test split stays clean");
    assertArrayEquals(labels(noisy.train()), labels(load(SYNTHETIC + "data.label-noise = 0.4").train()),
        "every node and every rerun corrupts the same labels");
    assertEquals(0, clean.noisyLabels());
    RunData pair = load(SYNTHETIC + "data.label-noise = 0.4\ndata.label-noise-type = pair");
    int classes = clean.train().classes();
    for (int i = 0; i < clean.train().size(); i++) {
      boolean wrong = clean.train().label(i) != pair.train().label(i);
      assertEquals(clean.train().label(i) != noisy.train().label(i), wrong, "pair noise changes the same examples");
      if (wrong) {
        assertEquals((clean.train().label(i) + 1) % classes, pair.train().label(i), "to the next class");
      }
    }
  }

  @Test
  void csvFeaturesAreStandardisedWithTheTrainingSplitsStatisticsWhenAsked(@TempDir Path dir) throws IOException {
    StringBuilder train = new StringBuilder("a,b,label\n");
    StringBuilder test = new StringBuilder("a,b,label\n");
    for (int i = 0; i < 400; i++) {
      train.append(i % 256).append(',').append(1000 + i).append(',').append(i % 3).append('\n');
      test.append((i * 7) % 256).append(',').append(1200).append(',').append(i % 3).append('\n');
    }
    Files.writeString(dir.resolve("train.csv"), train);
    Files.writeString(dir.resolve("test.csv"), test);
    String csv = "data { format = csv, validation-size = 100, csv { train = \"" + dir.resolve("train.csv")
        + "\", test = \"" + dir.resolve("test.csv") + "\" } }\n";
    RunData raw = load(csv);
    RunData z = load(csv + "data.csv.standardize = true");
    assertFalse(raw.standardization().isPresent());
    var statistics = z.standardization().orElseThrow();
    float[] trained = raw.train().rowValues();
    double meanB = 0;
    for (int r = 0; r < raw.train().size(); r++) {
      meanB += trained[r * 2 + 1] / raw.train().size();
    }
    assertEquals(meanB, statistics.mean()[1], 1e-3, "the mean of the training split, validation rows left out");
    float[] zTrain = z.train().rowValues();
    double sum = 0;
    for (int r = 0; r < z.train().size(); r++) {
      sum += zTrain[r * 2 + 1];
    }
    assertEquals(0, sum / z.train().size(), 1e-4);
    float[] expected = raw.test().rowValues();
    statistics.applyInPlace(expected);
    assertArrayEquals(expected, z.test().rowValues(), 1e-6f, "validation and test go through the same statistics");
    expected = raw.validation().rowValues();
    statistics.applyInPlace(expected);
    assertArrayEquals(expected, z.validation().rowValues(), 1e-6f);
    assertFalse(load(SYNTHETIC + "data.csv.standardize = true").standardization().isPresent(), "CSV data only");
  }
}
