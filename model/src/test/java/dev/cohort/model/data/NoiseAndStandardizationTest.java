package dev.cohort.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NoiseAndStandardizationTest {

  private static final LabeledData DATA = SyntheticData.gaussianClusters(20_000, 4, 5, 0.5, 3);

  @Test
  void labelNoiseChangesAboutItsRateOfLabelsToUniformlyDrawnOtherClasses() {
    LabelNoise.Applied noisy = LabelNoise.apply(DATA, 0.4, 7);
    int changed = 0;
    int[][] transitions = new int[5][5];
    for (int i = 0; i < DATA.size(); i++) {
      int before = DATA.label(i);
      int after = noisy.data().label(i);
      transitions[before][after]++;
      changed += before != after ? 1 : 0;
    }
    assertEquals(changed, noisy.changed(), "it counts what it changed");
    // Binomial(20,000, 0.4): sd about 69; 5 sd either way.
    assertTrue(Math.abs(changed - 8_000) < 350, "changed " + changed + " of 20,000 at rate 0.4");
    for (int from = 0; from < 5; from++) {
      int wrong = 0;
      for (int to = 0; to < 5; to++) {
        wrong += to != from ? transitions[from][to] : 0;
      }
      for (int to = 0; to < 5; to++) {
        if (to != from) {
          double share = (double) transitions[from][to] / wrong;
          assertEquals(0.25, share, 0.05, "class " + from + " -> " + to + ": each of the 4 other classes alike");
        }
      }
    }
    assertArrayEquals(DATA.rowValues(), noisy.data().rowValues(), "features untouched");
  }

  @Test
  void pairNoiseMovesEachWrongLabelToTheNextClassOnTheSameExamplesAsSymmetric() {
    LabelNoise.Applied pair = LabelNoise.apply(DATA, 0.45, LabelNoise.Type.PAIR, 7);
    LabelNoise.Applied symmetric = LabelNoise.apply(DATA, 0.45, LabelNoise.Type.SYMMETRIC, 7);
    int changed = 0;
    for (int i = 0; i < DATA.size(); i++) {
      int before = DATA.label(i);
      int after = pair.data().label(i);
      if (after != before) {
        changed++;
        assertEquals((before + 1) % 5, after, "example " + i + ": class " + before + " goes to the next one");
      }
      assertEquals(after != before, symmetric.data().label(i) != before, "example " + i + ": the same draw decides");
    }
    assertEquals(changed, pair.changed());
    // Binomial(20,000, 0.45): sd about 70; 5 sd either way.
    assertTrue(Math.abs(changed - 9_000) < 350, "changed " + changed + " of 20,000 at rate 0.45");
    assertArrayEquals(LabelNoise.apply(DATA, 0.45, 7).data().labels(DATA.allRows()),
        symmetric.data().labels(DATA.allRows()), "symmetric is what the rate alone gives");
  }

  @Test
  void labelNoiseIsReproducibleFromItsSeedAndZeroChangesNothing() {
    int[] once = LabelNoise.apply(DATA, 0.3, 11).data().labels(DATA.allRows());
    int[] again = LabelNoise.apply(DATA, 0.3, 11).data().labels(DATA.allRows());
    assertArrayEquals(once, again);
    assertNotEquals(java.util.Arrays.toString(once),
        java.util.Arrays.toString(LabelNoise.apply(DATA, 0.3, 12).data().labels(DATA.allRows())));
    assertSame(DATA, LabelNoise.apply(DATA, 0.0, 11).data());
    assertThrows(IllegalArgumentException.class, () -> LabelNoise.apply(DATA, 1.0, 1));
    assertThrows(IllegalArgumentException.class, () -> LabelNoise.apply(DATA, -0.1, 1));
  }

  @Test
  void standardizationGivesTheTrainingSplitZeroMeanAndUnitSdAndCentresConstantColumns() {
    float[] values = {
      0, 10, 5,
      2, 30, 5,
      4, 50, 5,
      6, 70, 5,
    };
    LabeledData train = new LabeledData(values, new int[] {0, 1, 0, 1}, 3, 2);
    Standardization z = Standardization.of(train);
    assertArrayEquals(new float[] {3, 40, 5}, z.mean(), 1e-6f);
    assertArrayEquals(new float[] {(float) Math.sqrt(5), (float) Math.sqrt(500), 1}, z.sd(), 1e-5f,
        "population sd; a constant column keeps sd 1");
    float[] out = z.apply(train).rowValues();
    for (int f = 0; f < 3; f++) {
      double mean = 0;
      double squares = 0;
      for (int r = 0; r < 4; r++) {
        mean += out[r * 3 + f] / 4.0;
      }
      for (int r = 0; r < 4; r++) {
        squares += Math.pow(out[r * 3 + f] - mean, 2) / 4.0;
      }
      assertEquals(0, mean, 1e-6, "feature " + f);
      assertEquals(f == 2 ? 0 : 1, squares, 1e-5, "feature " + f);
    }
    float[] row = {3, 60, 6};
    z.applyInPlace(row);
    assertArrayEquals(new float[] {0, (float) (20 / Math.sqrt(500)), 1}, row, 1e-6f,
        "other data goes through the training split's statistics");
  }

  @Test
  void aStandardizationSurvivesTheModelCardsListsAndRejectsNonsense() {
    Standardization z = Standardization.of(DATA);
    Standardization back = Standardization.of(z.meanList(), z.sdList());
    assertArrayEquals(z.mean(), back.mean());
    assertArrayEquals(z.sd(), back.sd());
    assertThrows(IllegalArgumentException.class, () -> Standardization.of(List.of(0.0), List.of(0.0)));
    assertThrows(IllegalArgumentException.class, () -> Standardization.of(List.of(0.0, 1.0), List.of(1.0)));
    assertThrows(IllegalArgumentException.class, () -> z.apply(new LabeledData(new float[3], new int[1], 3, 5)));
  }
}
