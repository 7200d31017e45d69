package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Points (step, value) of one curve, at most {@link #CAPACITY}: when full, every other point is
 * dropped (the first and the newest kept), so a long run's curve keeps its shape in bounded memory.
 */
final class Curve {

  static final int CAPACITY = 2000;

  private long[] steps = new long[64];
  private double[] values = new double[64];
  private int size;

  void add(long step, double value) {
    if (size == CAPACITY) {
      int kept = 0;
      for (int i = 0; i < size; i += 2) {
        steps[kept] = steps[i];
        values[kept] = values[i];
        kept++;
      }
      size = kept;
    }
    if (size == steps.length) {
      steps = java.util.Arrays.copyOf(steps, Math.min(CAPACITY, size * 2));
      values = java.util.Arrays.copyOf(values, steps.length);
    }
    steps[size] = step;
    values[size] = value;
    size++;
  }

  int size() {
    return size;
  }

  long step(int i) {
    return steps[i];
  }

  double value(int i) {
    return values[i];
  }

  /** {@code [[step, value], ...]}. */
  ArrayNode toJson() {
    ArrayNode points = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < size; i++) {
      points.addArray().add(steps[i]).add(Double.isFinite(values[i]) ? values[i] : 0.0);
    }
    return points;
  }
}
