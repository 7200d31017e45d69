package dev.cohort.actors.coordinator;

import dev.cohort.protocol.PeerReport;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-epoch, per-peer lines the coordinator prints: the loss split into CE and KD,
 * accuracies, and with small-loss selection the share of the examples kept. Each epoch's rows come out together, in the cohort file's order, once every live
 * peer has reported that epoch (or gone past it). A coordinator that takes a run over, or resumes
 * it, starts after the epochs its predecessor printed. Only epochs not printed yet are kept.
 */
final class EpochTable {

  private final List<String> order;
  private final boolean kept;
  private final TreeMap<Integer, Map<String, PeerReport>> epochs = new TreeMap<>();
  private final Map<Integer, String> cohortLines = new HashMap<>();
  private final Map<String, Integer> latest = new HashMap<>();
  private int printed;

  /** @param order the peers in the cohort file's order */
  EpochTable(List<String> order) {
    this(order, false);
  }

  /** @param kept whether the rows end with the share of examples kept (small-loss selection) */
  EpochTable(List<String> order, boolean kept) {
    this.order = List.copyOf(order);
    this.kept = kept;
  }

  void add(PeerReport epochEnd) {
    latest.merge(epochEnd.getPeer(), epochEnd.getEpoch(), Math::max);
    if (epochEnd.getEpoch() > printed) {
      epochs.computeIfAbsent(epochEnd.getEpoch(), e -> new HashMap<>()).put(epochEnd.getPeer(), epochEnd);
    }
  }

  /**
   * The peers' latest epoch ends from the run directory, for a coordinator that takes the run over
   * or resumes it: the epochs every peer had finished were printed by its predecessor (whose
   * terminal they are on); the rest print here as the peers catch up.
   */
  void restore(Collection<PeerReport> epochEnds) {
    epochEnds.forEach(this::add);
    printed = Math.max(printed, order.stream().mapToInt(peer -> latest.getOrDefault(peer, 0)).min().orElse(0));
    epochs.headMap(printed, true).clear();
  }

  /**
   * The rows of every epoch not printed yet that each peer in {@code live} has reported or gone past
   * (a peer restarted from a checkpoint rejoins at its cohort's position and may skip an epoch's end).
   */
  List<String> completedRows(List<String> live) {
    List<String> rows = new ArrayList<>();
    int furthest = latest.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    while (printed < furthest && live.stream().allMatch(p -> latest.getOrDefault(p, 0) >= printed + 1)) {
      Map<String, PeerReport> reports = epochs.remove(++printed);
      for (String peer : order) {
        if (reports != null && reports.containsKey(peer)) {
          rows.add(row(String.valueOf(reports.get(peer).getEpoch()), reports.get(peer), kept));
        }
      }
      String cohort = cohortLines.remove(printed);
      if (cohort != null) {
        rows.add(cohort);
      }
    }
    return rows;
  }

  /** The cohort's line for {@code epoch}: printed now if its rows are out, else right after them. */
  List<String> cohortLine(int epoch, String line) {
    if (epoch <= printed) {
      return List.of(line);
    }
    cohortLines.put(epoch, line);
    return List.of();
  }

  /** @param kept with the column of the share of examples kept (small-loss selection) */
  static String header(boolean kept) {
    return String.format(
        Locale.ROOT, "%5s  %-14s %8s %8s %9s %8s %8s %7s %8s",
        "epoch", "peer", "ce", "kd", "train_acc", "val_acc", "steps/s", "wait%", "timeouts") + (kept ? "   kept%" : "");
  }

  /** A row whose first column reads {@code label} instead of the epoch (e.g. a KD teacher's own epochs). */
  static String row(String label, PeerReport report, boolean kept) {
    return String.format(
        Locale.ROOT, "%5s  %-14s %8.4f %8.4f %9.4f %8.4f %8.1f %7.1f %8d",
        label,
        report.getPeer(),
        report.getCeLoss(),
        report.getKdLoss(),
        report.getTrainAccuracy(),
        report.getValAccuracy(),
        report.getStepsPerSecond(),
        100 * report.getWaitFraction(),
        report.getTeacherTimeouts()) + (kept ? String.format(Locale.ROOT, " %7.1f", 100 * report.getKeptFraction()) : "");
  }
}
