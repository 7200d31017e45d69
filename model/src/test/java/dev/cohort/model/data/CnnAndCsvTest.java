package dev.cohort.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.nn.CnnPreset;
import dev.cohort.model.nn.PeerNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class CnnAndCsvTest {

  @TempDir Path dir;

  /** 8x8 images whose class is the quadrant holding a bright 3x3 blob, plus noise. */
  private static LabeledData quadrants(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] pixels = new float[count * 64];
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = random.nextInt(4);
      int top = (labels[i] / 2) * 4 + random.nextInt(2);
      int left = (labels[i] % 2) * 4 + random.nextInt(2);
      for (int p = 0; p < 64; p++) {
        pixels[i * 64 + p] = (float) (random.nextDouble() * 0.3);
      }
      for (int y = top; y < top + 3; y++) {
        for (int x = left; x < left + 3; x++) {
          pixels[i * 64 + y * 8 + x] = 1f;
        }
      }
    }
    return new LabeledData(pixels, labels, 64, 4, new LabeledData.ImageShape(8, 8, 1));
  }

  @Test
  void aSmallLeNetLearnsWhereTheBlobIsAndSurvivesSaving() throws IOException {
    LabeledData data = quadrants(400, 1);
    CnnPreset preset = new CnnPreset(data.imageShape().orElseThrow(), List.of(4, 8), List.of(16), 4);
    assertEquals("CNN 8x8x1 conv[4,8] fc[16]-4", preset.describe());
    PeerNetwork network = PeerNetwork.of(preset, 3, 0.01, new DistillationLoss(0.5, 2));
    BatchSchedule schedule = new BatchSchedule(data.size(), 32, 1);
    for (int epoch = 0; epoch < 4; epoch++) {
      for (int b = 0; b < schedule.batchesPerEpoch(); b++) {
        int[] rows = schedule.batch(epoch, b);
        network.train(data.features(rows), SoftTargets.labels(data.labels(rows), new float[rows.length * 4], 4));
      }
    }
    double accuracy = network.evaluate(quadrants(200, 2)).accuracy();
    assertTrue(accuracy > 0.9, "accuracy " + accuracy);
    Path file = dir.resolve("cnn.zip");
    network.save(file);
    INDArray x = data.features(new int[] {0, 1});
    assertEquals(network.logits(x), PeerNetwork.load(file, preset.describe()).logits(x));
  }

  @Test
  void poolingsThatDoNotFitTheImageAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> new CnnPreset(new LabeledData.ImageShape(4, 4, 1), List.of(2, 2, 2), List.of(), 3));
  }

  @Test
  void idxImagesKnowTheirShape() throws IOException {
    Path images = dir.resolve("img");
    Files.write(images, IdxReaderTest.images(2));
    Path labels = dir.resolve("lbl");
    Files.write(labels, IdxReaderTest.labels(0, 1));
    assertEquals(new LabeledData.ImageShape(2, 3, 1), IdxReader.read(images, labels, 2).imageShape().orElseThrow());
  }

  private Path csv(String content) throws IOException {
    Path file = dir.resolve("data.csv");
    Files.writeString(file, content);
    return file;
  }

  @Test
  void readsFeaturesAndLabelsFromAnyColumnSkippingTheHeader() throws IOException {
    CsvReader.Table table = CsvReader.read(csv("x,y,class\n0.5,1,2\n-1,2e-1,0\n"), -1, true, ',');
    assertEquals(2, table.featureCount());
    assertArrayEquals(new int[] {2, 0}, table.labels());
    assertArrayEquals(new float[] {0.5f, 1f, -1f, 0.2f}, table.features());
    assertEquals(2, table.maxLabel());
    CsvReader.Table labelFirst = CsvReader.read(csv("1;3;4\n0;5;6\n"), 0, false, ';');
    assertArrayEquals(new float[] {3, 4, 5, 6}, labelFirst.features());
  }

  @Test
  void raggedRowsNonNumericCellsAndBadLabelsAreNamedByLine() throws IOException {
    assertEquals(
        dir.resolve("data.csv") + ":3: 2 columns, expected 3 like the first row",
        assertThrows(DatasetException.class, () -> CsvReader.read(csv("a,b,c\n1,2,0\n3,1\n"), -1, true, ',')).getMessage());
    assertEquals(
        dir.resolve("data.csv") + ":2: column 2 is 'abc', not a finite number",
        assertThrows(DatasetException.class, () -> CsvReader.read(csv("1,2,0\n1,abc,1\n"), -1, false, ',')).getMessage());
    assertEquals(
        dir.resolve("data.csv") + ":1: label '1.5' is not a class index (an integer >= 0)",
        assertThrows(DatasetException.class, () -> CsvReader.read(csv("1,2,1.5\n"), -1, false, ',')).getMessage());
    assertTrue(assertThrows(DatasetException.class, () -> CsvReader.read(csv("h\n"), 0, true, ',')).getMessage()
        .contains("has no data rows"));
    assertTrue(assertThrows(DatasetException.class, () -> CsvReader.read(dir.resolve("none.csv"), 0, true, ','))
        .getMessage().contains("data file not found"));

    String tooLarge = assertThrows(DatasetException.class,
        () -> CsvReader.read(csv("a,b,label\n1,2,0\n1,2,99999\n1,2,100000\n"), -1, true, ',')).getMessage();
    assertTrue(tooLarge.startsWith(dir.resolve("data.csv") + ":4: label 100000 is not a class index below 100000"),
        tooLarge);
    assertTrue(assertThrows(DatasetException.class, () -> CsvReader.read(csv("1,2,99999999999\n"), -1, false, ','))
        .getMessage().contains(":1: label 99999999999"), "beyond an int too");
    assertThrows(IllegalArgumentException.class,
        () -> new LabeledData(new float[1], new int[1], 1, LabeledData.MAX_CLASSES + 1));
  }
}
