package dev.cohort.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class ScheduleAndSplitTest {

  @Test
  void everyExampleAppearsOnceAnEpochAndTheLastBatchMayBeShort() {
    BatchSchedule schedule = new BatchSchedule(103, 10, 5);
    assertEquals(11, schedule.batchesPerEpoch());
    BitSet seen = new BitSet();
    for (int b = 0; b < schedule.batchesPerEpoch(); b++) {
      for (int row : schedule.batch(2, b)) {
        assertFalse(seen.get(row), "row " + row + " twice");
        seen.set(row);
      }
    }
    assertEquals(103, seen.cardinality());
    assertEquals(3, schedule.batch(2, 10).length);
  }

  @Test
  void theSameSeedGivesTheSameBatchesAndEpochsDiffer() {
    BatchSchedule a = new BatchSchedule(1000, 32, 9);
    BatchSchedule b = new BatchSchedule(1000, 32, 9);
    assertArrayEquals(a.batch(0, 3), b.batch(0, 3));
    assertArrayEquals(a.batch(4, 0), b.batch(4, 0));
    assertFalse(Arrays.equals(a.batch(0, 0), a.batch(1, 0)));
    assertFalse(Arrays.equals(a.batch(0, 0), new BatchSchedule(1000, 32, 10).batch(0, 0)));
    assertEquals(2 * 32 + 5, a.batchId(2, 5));
  }

  @Test
  void shardsAreDisjointCoverEveryRowAndDifferInSizeByAtMostOne() {
    BitSet seen = new BitSet();
    int smallest = Integer.MAX_VALUE;
    int largest = 0;
    for (int shard = 0; shard < 3; shard++) {
      int[] rows = Shards.of(100, 3, shard, 7);
      assertArrayEquals(rows, Shards.of(100, 3, shard, 7), "deterministic");
      for (int row : rows) {
        assertFalse(seen.get(row), "row " + row + " in two shards");
        seen.set(row);
      }
      smallest = Math.min(smallest, rows.length);
      largest = Math.max(largest, rows.length);
    }
    assertEquals(100, seen.cardinality());
    assertTrue(largest - smallest <= 1);
  }

  @Test
  void aScheduleOverAShardOnlyYieldsItsRows() {
    int[] shard = Shards.of(100, 4, 1, 7);
    BatchSchedule schedule = new BatchSchedule(shard, 8, 3);
    java.util.Set<Integer> allowed = new java.util.HashSet<>();
    for (int row : shard) {
      allowed.add(row);
    }
    for (long step = 0; step < 3L * schedule.batchesPerEpoch(); step++) {
      for (int row : schedule.batchAtStep(step)) {
        assertTrue(allowed.contains(row), "row " + row + " is not in the shard");
      }
    }
    assertArrayEquals(schedule.batch(1, 2), schedule.batchAtStep(schedule.batchesPerEpoch() + 2L));
  }

  @Test
  void theValidationSplitIsDeterministicAndDisjointFromTraining() {
    LabeledData data = SyntheticData.gaussianClusters(200, 3, 4, 0.1, 1);
    ValidationSplit.TrainValidation first = ValidationSplit.carve(data, 50, 77);
    ValidationSplit.TrainValidation again = ValidationSplit.carve(data, 50, 77);
    assertEquals(150, first.train().size());
    assertEquals(50, first.validation().size());
    assertArrayEquals(
        first.validation().features(first.validation().allRows()).ravel().toFloatVector(),
        again.validation().features(again.validation().allRows()).ravel().toFloatVector());
    // Every example lands in exactly one split: compare the multisets of rows by their features.
    java.util.List<String> all = rows(data);
    java.util.List<String> split = rows(first.train());
    split.addAll(rows(first.validation()));
    java.util.Collections.sort(all);
    java.util.Collections.sort(split);
    assertEquals(all, split);
  }

  private static java.util.List<String> rows(LabeledData data) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (int r = 0; r < data.size(); r++) {
      out.add(Arrays.toString(data.features(new int[] {r}).ravel().toFloatVector()) + data.label(r));
    }
    return out;
  }

  @Test
  void aValidationSplitAsLargeAsTheDataIsRejected() {
    LabeledData data = SyntheticData.gaussianClusters(10, 2, 2, 0.1, 1);
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> ValidationSplit.carve(data, 10, 1));
    assertEquals(
        "validation size must be between 1 and 9 for a training set of 10 examples, found 10",
        error.getMessage());
  }
}
