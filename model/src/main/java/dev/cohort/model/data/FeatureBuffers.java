package dev.cohort.model.data;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Off-heap feature batches that are refilled instead of allocated. Creating a 128 × 784 float
 * batch with {@code Nd4j.create} costs about a millisecond here (allocation and JavaCPP's
 * off-heap accounting; docs/PERFORMANCE.md), as much as a whole MLP training step; refilling one
 * costs microseconds. One buffer per batch size (an epoch's last batch may be shorter); each
 * {@link #of} overwrites the previous batch of the same size, so a holder keeps one instance per
 * batch it needs at the same time (e.g. the step's batch, and the batch it predicts ahead).
 * Not thread-safe, like the network it feeds.
 */
public final class FeatureBuffers {

  private final Map<Integer, INDArray> buffers = new HashMap<>();

  /** The features of {@code rows} of {@code data}, in this holder's buffer for that batch size. */
  public INDArray of(LabeledData data, int[] rows) {
    INDArray buffer = buffers.computeIfAbsent(rows.length,
        n -> Nd4j.create(DataType.FLOAT, new long[] {n, data.featureCount()}, 'c'));
    if (buffer.size(1) != data.featureCount()) {
      buffer = Nd4j.create(DataType.FLOAT, new long[] {rows.length, data.featureCount()}, 'c');
      buffers.put(rows.length, buffer);
    }
    return data.features(rows, buffer);
  }
}
