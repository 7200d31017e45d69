package dev.cohort.actors.coordinator;

import dev.cohort.protocol.PeerReport;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the peers have reported: each one's latest report and latest epoch end, and the epoch
 * table they fill; from them, how far the cohort has got, who has finished, and the best peer.
 * Plain Java; the coordinator owns one.
 */
final class PeerResults {

  /** What a report was. */
  enum Kind {
    /** An epoch end this coordinator has already (one that took over, or a peer resumed after its last epoch). */
    TOLD_AGAIN,
    /** A KD teacher's report while it trains alone. */
    TEACHER,
    /** A report within an epoch. */
    STEP,
    /** An epoch's end, now in the table. */
    EPOCH_END
  }

  private final Map<String, PeerReport> lastEpochEnd = new HashMap<>();
  private final Map<String, PeerReport> lastReport = new HashMap<>();
  private final EpochTable table;

  PeerResults(List<String> peers) {
    this(peers, false);
  }

  /** @param showsKept whether the table's rows end with the share of examples kept (small-loss selection) */
  PeerResults(List<String> peers, boolean showsKept) {
    this.table = new EpochTable(peers, showsKept);
  }

  /** Keeps a report (the furthest one of each peer) and says what it was. */
  Kind add(PeerReport report) {
    PeerReport known = lastEpochEnd.get(report.getPeer());
    if (report.getEpochEnd() && !report.getPretraining() && known != null && known.getEpoch() >= report.getEpoch()) {
      return Kind.TOLD_AGAIN;
    }
    lastReport.merge(report.getPeer(), report, (a, b) -> b.getTrainedThrough() >= a.getTrainedThrough() ? b : a);
    if (report.getPretraining()) {
      return Kind.TEACHER;
    }
    if (!report.getEpochEnd()) {
      return Kind.STEP;
    }
    lastEpochEnd.put(report.getPeer(), report);
    table.add(report);
    return Kind.EPOCH_END;
  }

  /** The epoch ends a run directory holds, for a coordinator that takes the run over. */
  void restore(Collection<PeerReport> epochEnds) {
    epochEnds.forEach(report -> {
      lastEpochEnd.put(report.getPeer(), report);
      lastReport.put(report.getPeer(), report);
    });
    table.restore(epochEnds);
  }

  boolean isFinished(String peer) {
    PeerReport last = lastEpochEnd.get(peer);
    return last != null && last.getFinished();
  }

  /** The peer's latest epoch end (null before its first). */
  PeerReport epochEnd(String peer) {
    return lastEpochEnd.get(peer);
  }

  /** The batch after the last one the peer reported (0 before its first report). */
  long nextBatch(String peer) {
    PeerReport last = lastReport.get(peer);
    return last == null ? 0 : last.getTrainedThrough() + 1;
  }

  /**
   * The batch the training peers among {@code live} have reached (the least advanced of them,
   * neither a frozen teacher nor one training alone), where a restarted peer rejoins; -1 when
   * none has reported yet.
   */
  long position(Predicate<String> live) {
    return lastReport.entrySet().stream()
        .filter(e -> live.test(e.getKey()))
        .filter(e -> !e.getValue().getFrozen() && !e.getValue().getPretraining())
        .mapToLong(e -> e.getValue().getTrainedThrough() + 1)
        .min()
        .orElse(-1);
  }

  /** Of {@code live} (each with an epoch end), the best on the validation split; never a frozen KD teacher. */
  String best(List<String> live) {
    String best = null;
    for (String peer : live) {
      if (lastEpochEnd.get(peer).getFrozen()) {
        continue; // a frozen KD teacher is the baseline's given, not a result of this run
      }
      if (best == null || lastEpochEnd.get(peer).getValAccuracy() > lastEpochEnd.get(best).getValAccuracy()) {
        best = peer;
      }
    }
    return best;
  }

  /** Each epoch's rows, once every one of {@code live} has reported it (each row once). */
  List<String> completedRows(List<String> live) {
    return table.completedRows(live);
  }

  /** The cohort's line under its epoch's rows (now, or when they are printed). */
  List<String> cohortLine(int epoch, String line) {
    return table.cohortLine(epoch, line);
  }
}
