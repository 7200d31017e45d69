package dev.cohort.actors.coordinator;

import dev.cohort.model.eval.CohortMetrics;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.ValidationPredictions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gathers the peers' validation probabilities, chunk by chunk, per epoch; once every live peer's
 * split is complete for an epoch, yields the cohort metrics of that epoch and forgets its rows.
 */
final class CohortEvaluation {

  /** One peer's split for one epoch, filled chunk by chunk. */
  private static final class Split {
    final float[] probabilities;
    final int[] labels;
    final int classes;
    int rowsReceived;

    Split(int rows, int classes) {
      this.probabilities = new float[rows * classes];
      this.labels = new int[rows];
      this.classes = classes;
    }

    boolean complete() {
      return rowsReceived == labels.length;
    }
  }

  private final Map<Integer, Map<String, Split>> epochs = new HashMap<>();

  /**
   * Adds a chunk; returns the epoch's metrics when this completes the epoch for every peer in
   * {@code live} (in their order).
   */
  Optional<CohortMetrics> accept(ValidationPredictions chunk, Iterable<String> live) {
    Split split =
        epochs.computeIfAbsent(chunk.getEpoch(), e -> new HashMap<>())
            .computeIfAbsent(chunk.getPeer(), p -> new Split(chunk.getTotalRows(), chunk.getClasses()));
    float[] rows = ProbabilityCodec.decode(chunk.getPayload(), chunk.getRows(), chunk.getClasses(), chunk.getEncoding());
    System.arraycopy(rows, 0, split.probabilities, chunk.getFirstRow() * split.classes, rows.length);
    for (int r = 0; r < chunk.getLabelsCount(); r++) {
      split.labels[chunk.getFirstRow() + r] = chunk.getLabels(r);
    }
    split.rowsReceived += chunk.getRows();
    return completed(chunk.getEpoch(), live);
  }

  /** Re-checks an epoch after a peer was lost: the others may now be all there is. */
  Optional<CohortMetrics> completed(int epoch, Iterable<String> live) {
    Map<String, Split> peers = epochs.getOrDefault(epoch, Map.of());
    Map<String, float[]> probabilities = new LinkedHashMap<>();
    Split any = null;
    for (String peer : live) {
      Split split = peers.get(peer);
      if (split == null || !split.complete()) {
        return Optional.empty();
      }
      probabilities.put(peer, split.probabilities);
      any = split;
    }
    if (any == null) {
      return Optional.empty();
    }
    epochs.remove(epoch);
    return Optional.of(CohortMetrics.of(probabilities, any.labels, any.classes));
  }

  Set<Integer> pendingEpochs() {
    return epochs.keySet();
  }
}
