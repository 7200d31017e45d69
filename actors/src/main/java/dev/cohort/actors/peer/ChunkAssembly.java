package dev.cohort.actors.peer;

import dev.cohort.protocol.SoftPredictions;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts together a teacher's predictions for a batch that came as several messages (each a run of
 * whole rows; see {@code SoftPredictions.batch_rows}). Plain Java, owned by one trainer.
 */
final class ChunkAssembly {

  private record Key(String teacher, long batchId) {}

  private static final class Partial {
    final float[] values;
    final boolean[] rowSeen;
    int rowsSeen;

    Partial(int rows, int classes) {
      values = new float[rows * classes];
      rowSeen = new boolean[rows];
    }
  }

  private final TreeMap<Long, Map<Key, Partial>> byBatch = new TreeMap<>();

  /**
   * Adds one message's decoded rows; returns the whole batch's rows once every row has come,
   * else null.
   *
   * @throws IllegalArgumentException for rows outside the batch or a batch size that changed
   */
  float[] add(SoftPredictions message, float[] rows) {
    int total = message.getBatchRows();
    int first = message.getFirstRow();
    int count = message.getRows();
    int classes = message.getClasses();
    if (first < 0 || count < 1 || (long) first + count > total) {
      throw new IllegalArgumentException("predictions of " + message.getFromPeer() + " for batch " + message.getBatchId()
          + " carry rows " + first + ".." + (first + count - 1) + " of a batch of " + total);
    }
    Key key = new Key(message.getFromPeer(), message.getBatchId());
    Partial partial = byBatch.computeIfAbsent(message.getBatchId(), b -> new HashMap<>())
        .computeIfAbsent(key, k -> new Partial(total, classes));
    if (partial.rowSeen.length != total || partial.values.length != total * classes) {
      throw new IllegalArgumentException("predictions of " + message.getFromPeer() + " for batch " + message.getBatchId()
          + " changed shape: " + total + " x " + classes + " after " + partial.rowSeen.length + " rows");
    }
    System.arraycopy(rows, 0, partial.values, first * classes, count * classes);
    for (int r = first; r < first + count; r++) {
      if (!partial.rowSeen[r]) {
        partial.rowSeen[r] = true;
        partial.rowsSeen++;
      }
    }
    if (partial.rowsSeen < total) {
      return null;
    }
    Map<Key, Partial> batch = byBatch.get(message.getBatchId());
    batch.remove(key);
    if (batch.isEmpty()) {
      byBatch.remove(message.getBatchId());
    }
    return partial.values;
  }

  /** Drops what is still incomplete for {@code batchId} and before: those steps are taken. */
  void forgetThrough(long batchId) {
    byBatch.headMap(batchId, true).clear();
  }
}
