package dev.cohort.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.data.SyntheticData;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.SoftTargets;
import dev.cohort.model.distill.StepTarget;
import dev.cohort.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class PeerNetworkTest {

  @TempDir Path dir;

  private static final LabeledData DATA = SyntheticData.gaussianClusters(600, 8, 3, 0.3, 3);

  private static PeerNetwork network(long seed) {
    return PeerNetwork.of(new MlpPreset(8, List.of(16), 3), seed, 0.01, new DistillationLoss(0.5, 2));
  }

  private static void trainOneEpoch(PeerNetwork network, BatchSchedule schedule, int epoch) {
    for (int b = 0; b < schedule.batchesPerEpoch(); b++) {
      int[] rows = schedule.batch(epoch, b);
      network.train(DATA.features(rows), SoftTargets.labels(DATA.labels(rows), new float[rows.length * 3], 3));
    }
  }

  @Test
  void learnsSeparableClustersWithCrossEntropyAlone() {
    PeerNetwork network = network(1);
    double before = network.evaluate(DATA).accuracy();
    BatchSchedule schedule = new BatchSchedule(DATA.size(), 32, 1);
    for (int epoch = 0; epoch < 5; epoch++) {
      trainOneEpoch(network, schedule, epoch);
    }
    PeerNetwork.Evaluation after = network.evaluate(DATA);
    assertTrue(after.accuracy() > 0.9, "accuracy " + after.accuracy() + " (before: " + before + ")");
    assertEquals(600, after.examples());
  }

  @Test
  void theSameSeedAndScheduleGiveBitIdenticalWeights() {
    PeerNetwork a = network(5);
    PeerNetwork b = network(5);
    BatchSchedule schedule = new BatchSchedule(DATA.size(), 32, 2);
    trainOneEpoch(a, schedule, 0);
    trainOneEpoch(b, schedule, 0);
    assertEquals(a.parameters(), b.parameters());
  }

  /**
   * The one-forward step (target filled in between the forward and the backward pass) is the same
   * update as a classic step whose target was computed from a separate inference forward pass:
   * the fill sees exactly those logits, is asked once, and the weights end bit-identical.
   */
  @Test
  void aTargetFilledAfterTheForwardPassGivesTheSameStepAsOneGivenUpFront() {
    PeerNetwork classic = network(7);
    PeerNetwork oneForward = network(7);
    BatchSchedule schedule = new BatchSchedule(DATA.size(), 32, 3);
    for (int b = 0; b < 6; b++) {
      int[] rows = schedule.batch(0, b);
      INDArray features = DATA.features(rows);
      INDArray logitsBefore = classic.logits(features);
      float[] target = SoftTargets.soften(logitsBefore.mul(0.5), 2); // any distribution derived from z
      classic.train(features, SoftTargets.labels(DATA.labels(rows), target, 3));
      int[] calls = {0};
      PeerNetwork.Step step = oneForward.train(features, DATA.labels(rows), (z, n, c) -> {
        calls[0]++;
        assertEquals(rows.length, n);
        assertEquals(3, c);
        return StepTarget.of(SoftTargets.soften(org.nd4j.linalg.factory.Nd4j.create(z, new long[] {n, c}).mul(0.5), 2));
      });
      assertEquals(1, calls[0], "the fill is asked once per step");
      assertEquals(logitsBefore, step.logits(), "the fill sees the logits of the step's own forward pass");
      assertEquals(SoftTargets.labels(DATA.labels(rows), target, 3), step.labels());
      assertEquals(classic.parameters(), oneForward.parameters(), "after step " + b);
    }
  }

  @Test
  void aFillWithTheWrongShapeIsRefusedWithBothSizes() {
    PeerNetwork network = network(8);
    int[] rows = {0, 1, 2, 3};
    INDArray before = network.parameters();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> network.train(DATA.features(rows), DATA.labels(rows), (z, n, c) -> StepTarget.of(new float[5])));
    assertTrue(e.getMessage().contains("5 values, expected 4 rows x 3 classes"), e.getMessage());
    assertEquals(before, network.parameters(), "a refused step changes nothing");
    network.train(DATA.features(rows), DATA.labels(rows), (z, n, c) -> StepTarget.of(new float[n * c])); // and the next works
  }

  @Test
  void changingTheDistillationWeightTakesEffectOnTheNextStep() {
    int[] rows = new BatchSchedule(DATA.size(), 32, 4).batch(0, 0);
    float[] target = new float[rows.length * 3];
    java.util.Arrays.fill(target, 1f / 3);
    INDArray labels = SoftTargets.labels(DATA.labels(rows), target, 3);
    PeerNetwork switched = network(9);
    switched.distillationWeight(0.0);
    PeerNetwork builtWithZero =
        PeerNetwork.of(new MlpPreset(8, List.of(16), 3), 9, 0.01, new DistillationLoss(0.0, 2));
    PeerNetwork unchanged = network(9);
    for (PeerNetwork n : List.of(switched, builtWithZero, unchanged)) {
      n.train(DATA.features(rows), labels);
    }
    assertEquals(builtWithZero.parameters(), switched.parameters());
    assertTrue(!unchanged.parameters().equals(switched.parameters()), "λ = 0.5 and λ = 0 differ");
    assertEquals(0.0, switched.loss().lambda());
  }

  /** A network trained for one epoch, so that its weights are not its initial ones. */
  private static PeerNetwork trained() {
    PeerNetwork network = network(2);
    trainOneEpoch(network, new BatchSchedule(DATA.size(), 64, 1), 0);
    return network;
  }

  private static void assertSameModel(PeerNetwork expected, PeerNetwork loaded) {
    INDArray x = DATA.features(new int[] {0, 1, 2});
    assertEquals(expected.logits(x), loaded.logits(x));
    assertEquals(expected.loss(), loaded.loss());
  }

  @Test
  void aModelZipWrittenWhenTheLossLivedInTheModelsRootPackageStillLoads() throws IOException {
    PeerNetwork network = trained();
    Path current = dir.resolve("current.zip");
    network.save(current);
    Path earlier = dir.resolve("earlier.zip");
    try (ZipFile zip = new ZipFile(current.toFile());
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(earlier))) {
      for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
        out.putNextEntry(new ZipEntry(entry.getName()));
        byte[] bytes = zip.getInputStream(entry).readAllBytes();
        if (entry.getName().equals("configuration.json")) {
          String json = new String(bytes, StandardCharsets.UTF_8);
          assertTrue(json.contains('"' + DistillationLoss.class.getName() + '"'), "DL4J names the loss by its class");
          bytes = json.replace(DistillationLoss.class.getName(), PeerNetwork.EARLIER_LOSS_CLASS)
              .getBytes(StandardCharsets.UTF_8);
        }
        out.write(bytes);
        out.closeEntry();
      }
    }
    assertSameModel(network, PeerNetwork.load(earlier, network.architecture()));
  }

  @Test
  void aSavedModelLoadsWithTheSameOutputsAndLoss() throws IOException {
    PeerNetwork network = trained();
    Path file = dir.resolve("peer/model.zip");
    network.save(file);
    assertSameModel(network, PeerNetwork.load(file, network.architecture()));
    try (var files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
    }
  }

  @Test
  void aFailedAtomicWriteKeepsThePreviousFile() throws IOException {
    Path file = dir.resolve("card.json");
    AtomicFiles.writeString(file, "old");
    assertThrows(
        IOException.class,
        () ->
            AtomicFiles.write(
                file,
                out -> {
                  out.write("half".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                  throw new IOException("disk full");
                }));
    assertEquals("old", Files.readString(file));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "the temporary file is removed");
    }
  }

  @Test
  void softTargetsAverageRenormalisesOverTheTeachersPresent() {
    float[] a = {0.2f, 0.8f};
    float[] b = {0.6f, 0.4f};
    float[] both = SoftTargets.average(List.of(new SoftTargets.Weighted(a, 1), new SoftTargets.Weighted(b, 3)), 2);
    assertEquals(0.5f, both[0], 1e-6f);
    assertEquals(0.5f, both[1], 1e-6f);
    float[] onlyA = SoftTargets.average(List.of(new SoftTargets.Weighted(a, 1)), 2);
    assertEquals(0.2f, onlyA[0], 1e-7f);
    float[] none = SoftTargets.average(List.of(), 2);
    assertEquals(0f, none[0] + none[1]);
  }

  @Test
  void softenedPredictionsAreDistributionsThatFlattenWithTemperature() {
    INDArray logits = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][] {{2f, 0f, -1f}});
    float[] cold = SoftTargets.soften(logits, 1);
    float[] hot = SoftTargets.soften(logits, 5);
    assertEquals(1f, cold[0] + cold[1] + cold[2], 1e-6f);
    assertEquals(1f, hot[0] + hot[1] + hot[2], 1e-6f);
    assertEquals(Math.exp(2) / (Math.exp(2) + 1 + Math.exp(-1)), cold[0], 1e-6);
    assertTrue(hot[0] < cold[0] && hot[2] > cold[2]);
  }

  @Test
  void itKnowsItsInputShapeAndClasses() {
    PeerNetwork mlp = network(1);
    assertEquals(List.of(8), mlp.inputShape());
    assertEquals(8, mlp.inputSize());
    assertEquals(3, mlp.classes());
    PeerNetwork cnn = PeerNetwork.of(new CnnPreset(new LabeledData.ImageShape(12, 12, 1), List.of(4), List.of(8), 5),
        1, 0.01, new DistillationLoss(0.5, 2));
    assertEquals(List.of(12, 12, 1), cnn.inputShape());
    assertEquals(144, cnn.inputSize());
    assertEquals(5, cnn.classes());
  }
}
