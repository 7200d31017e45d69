package dev.cohort.actors.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.model.data.Standardization;
import dev.cohort.model.eval.ModelCard;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CardFactsTest {

  private static CardFacts.Measured measured(Path dir) {
    return new CardFacts.Measured("a", dir.resolve("model.zip"), "MLP 2-4-3", 27, List.of(2), "val_accuracy", 0.9,
        0.3, 0.8, 0.4, 100, null);
  }

  private static CohortSettings settings(String data) {
    return SettingsParser.parse(ConfigFactory.parseString("cohort.data { format = synthetic, " + data + " }"));
  }

  @Test
  void theCardRecordsTheLabelNoiseAndTheInputZScoresOfItsRun(@TempDir Path dir) {
    Standardization z = new Standardization(new float[] {1, 2}, new float[] {3, 4});
    ModelCard card = CardFacts.card(settings("label-noise = 0.3, label-noise-type = pair"), measured(dir), dir.resolve("model-card.json"), 3,
        Optional.of(z));
    assertEquals(0.3, card.trainingLabelNoise());
    assertEquals("pair", card.trainingLabelNoiseType());
    assertEquals(List.of(1.0, 2.0), card.inputStandardization().mean());
    assertEquals(List.of(3.0, 4.0), card.inputStandardization().sd());
    ModelCard back = ModelCard.read(writeAndReturn(card, dir.resolve("model-card.json")));
    assertEquals(card.inputStandardization(), back.inputStandardization(), "it survives the JSON file");
    assertEquals(0.3, back.trainingLabelNoise());
    assertEquals("pair", back.trainingLabelNoiseType());
  }

  @Test
  void aCleanRunWithRawInputsSaysNeither(@TempDir Path dir) {
    ModelCard card = CardFacts.card(settings("label-noise = 0"), measured(dir), dir.resolve("model-card.json"), 3,
        Optional.empty());
    assertNull(card.trainingLabelNoise());
    assertNull(card.trainingLabelNoiseType());
    assertNull(card.inputStandardization());
  }

  private static Path writeAndReturn(ModelCard card, Path file) {
    try {
      card.write(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return file;
  }
}
