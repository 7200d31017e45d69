package dev.cohort.actors.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SelectionTest {

  private static final List<Selection.Candidate> PEERS = List.of(
      new Selection.Candidate("large", 500_000, 0.880, 0.36),
      new Selection.Candidate("assistant", 100_000, 0.876, 0.33),
      new Selection.Candidate("small", 20_000, 0.869, 0.40));

  @Test
  void eachMetricPicksItsPeer() {
    assertEquals("large", Selection.parse("val_accuracy").choose(PEERS).name());
    assertEquals("assistant", Selection.parse("val_nll").choose(PEERS).name());
    assertEquals("assistant", Selection.parse("smallest-within:0.5").choose(PEERS).name(), "small is 1.1 points behind");
    assertEquals("small", Selection.parse("smallest-within:1.1").choose(PEERS).name());
    assertEquals("large", Selection.parse("smallest-within:0").choose(PEERS).name());
  }

  @Test
  void badMetricsAreNamed() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Selection.parse("test_accuracy"));
    assertTrue(unknown.getMessage().contains("test_accuracy") && unknown.getMessage().contains("val_nll"));
    IllegalArgumentException points = assertThrows(IllegalArgumentException.class, () -> Selection.parse("smallest-within:x"));
    assertTrue(points.getMessage().contains("'x'"));
    assertEquals("smallest-within:0.5 points of the best val_accuracy", Selection.parse("smallest-within:0.5").describe());
  }
}
