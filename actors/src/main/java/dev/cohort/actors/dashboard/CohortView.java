package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state of a run as the dashboard shows it, built from nothing but the lines of its
 * {@code events.jsonl} and {@code metrics.jsonl} — live, or read back for {@code report.html}.
 * Each line yields the update that browsers apply; {@link #snapshot()} is the whole picture.
 * Not thread-safe: one actor owns it.
 */
public final class CohortView {

  static final int EVENT_LOG = 200;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Duration stallAfter;
  private final Map<String, PeerRow> peers = new LinkedHashMap<>();
  private final Map<String, Series> series = new LinkedHashMap<>();
  private final Series ensemble = new Series();
  private final Map<Integer, Long> epochEndStep = new HashMap<>();
  private final EventLog events = new EventLog(EVENT_LOG);
  private ObjectNode matrix = JsonNodeFactory.instance.objectNode();
  private final ObjectNode run = JsonNodeFactory.instance.objectNode();
  private String best;
  private Instant latest = Instant.EPOCH;

  /**
   * @param peerNames the run's peers, in the order of its config
   * @param epochs the run's epochs (progress, ETA)
   */
  public CohortView(String runId, List<String> peerNames, int epochs, Duration stallAfter) {
    this.stallAfter = stallAfter;
    run.put("id", runId);
    run.put("epochs", epochs);
    run.put("phase", "starting");
    peerNames.forEach(name -> peers.put(name, new PeerRow(name)));
    peerNames.forEach(name -> series.put(name, new Series()));
  }

  public int epochs() {
    return run.path("epochs").asInt();
  }

  /** starting, waiting for nodes, training, exporting, finished or failed. */
  public String phase() {
    return run.path("phase").asText();
  }

  /** Applies one line; the update to send to browsers (kind {@code peer}, {@code cohort} or {@code event}). */
  public ObjectNode apply(RunFeed.Kind kind, String json) {
    JsonNode line;
    try {
      line = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON line: " + json, e);
    }
    Instant time = time(line);
    if (time.isAfter(latest)) {
      latest = time;
    }
    if (kind == RunFeed.Kind.METRICS) {
      return line.path("cohort").asBoolean() ? cohortLine(line) : peerLine(line, time);
    }
    return eventLine(line);
  }

  private static Instant time(JsonNode line) {
    try {
      return Instant.parse(line.path("time").asText());
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  private ObjectNode peerLine(JsonNode line, Instant time) {
    String name = line.path("peer").asText();
    PeerRow row = peers.computeIfAbsent(name, PeerRow::new);
    row.report(line, time);
    row.status = row.statusAt(latest, stallAfter, leaderStep());
    ObjectNode point = JsonNodeFactory.instance.objectNode();
    point.put("step", row.step);
    point.put("loss", line.path("ce_loss").asDouble() + line.path("kd_loss").asDouble());
    Series s = series.computeIfAbsent(name, n -> new Series());
    s.loss.add(row.step, line.path("ce_loss").asDouble() + line.path("kd_loss").asDouble());
    if (line.path("epoch_end").asBoolean() && !row.pretraining) {
      point.put("val_accuracy", row.valAccuracy);
      point.put("val_loss", row.valLoss);
      s.valAccuracy.add(row.step, row.valAccuracy);
      s.valLoss.add(row.step, row.valLoss);
      epochEndStep.merge(row.epoch, row.step, Math::max);
    }
    ObjectNode update = update("peer");
    update.set("row", row.toJson(epochs()));
    update.set("point", point);
    Optional<ObjectNode> changed = bestPeerChanged();
    changed.ifPresent(entry -> update.set("log", entry));
    if (changed.isPresent() || name.equals(best)) {
      update.set("best", bestJson()); // a new best peer, or the best one's newer figures
    }
    return update;
  }

  private ObjectNode cohortLine(JsonNode line) {
    int epoch = line.path("epoch").asInt();
    long step = epochEndStep.getOrDefault(epoch, 0L);
    ensemble.valAccuracy.add(step, line.path("ensemble_val_accuracy").asDouble());
    matrix = JsonNodeFactory.instance.objectNode();
    matrix.put("epoch", epoch);
    matrix.set("agreement", line.path("agreement"));
    matrix.set("kl", line.path("kl"));
    matrix.put("mean_agreement", line.path("mean_agreement").asDouble());
    matrix.put("mean_kl", line.path("mean_kl").asDouble());
    ObjectNode update = update("cohort");
    ObjectNode point = update.putObject("point");
    point.put("epoch", epoch);
    point.put("step", step);
    point.put("val_accuracy", line.path("ensemble_val_accuracy").asDouble());
    update.set("matrix", matrix);
    return update;
  }

  private ObjectNode eventLine(JsonNode line) {
    String name = line.path("event").asText();
    String peer = line.path("peer").asText("");
    PeerRow row = peers.get(peer);
    switch (name) {
      case "run-started", "run-resumed" -> {
        run.put("topology", line.path("topology").asText());
        run.put("nodes", line.path("nodes").asInt());
        run.put("phase", "waiting for nodes");
        run.put("started", line.path("time").asText());
      }
      case "training-started" -> run.put("phase", "training");
      case "peer-placed" -> {
        if (row != null) {
          row.node = line.path("node").asText();
          row.device = line.path("device").asText();
          if (row.lifecycle == PeerRow.Lifecycle.PLANNED) {
            row.lifecycle = PeerRow.Lifecycle.PLACED;
          }
        }
      }
      case "peer-lost", "peer-restarting", "peer-waiting-for-node" -> lifecycle(row, PeerRow.Lifecycle.RESTARTING);
      case "peer-awaiting-down" -> lifecycle(row, PeerRow.Lifecycle.UNREACHABLE);
      case "peer-reachable-again" -> {
        if (row != null && row.lifecycle == PeerRow.Lifecycle.UNREACHABLE) {
          row.lifecycle = PeerRow.Lifecycle.REPORTING;
        }
      }
      case "peer-restarted" -> {
        lifecycle(row, PeerRow.Lifecycle.PLACED);
        if (row != null) {
          row.node = line.path("node").asText(row.node);
        }
      }
      case "peer-given-up" -> lifecycle(row, PeerRow.Lifecycle.DEAD);
      case "best-peer-chosen" -> {
        best = peer;
        run.put("phase", "exporting");
      }
      case "model-exported" -> run.put("test_accuracy", line.path("test_accuracy").asDouble());
      case "run-finished" -> {
        run.put("phase", line.path("success").asBoolean() ? "finished" : "failed");
        run.put("message", line.path("message").asText());
      }
      default -> { }
    }
    ObjectNode update = update("event");
    update.set("log", log(line));
    update.set("run", run);
    if (row != null) {
      row.status = row.statusAt(latest, stallAfter, leaderStep());
      update.set("row", row.toJson(epochs()));
    }
    update.set("best", bestJson());
    return update;
  }

  private static void lifecycle(PeerRow row, PeerRow.Lifecycle lifecycle) {
    if (row != null) {
      row.lifecycle = lifecycle;
    }
  }

  /** Statuses as of {@code now} (a peer that stopped reporting becomes lagging); the rows that changed. */
  public List<ObjectNode> refresh(Instant now) {
    List<ObjectNode> changed = new ArrayList<>();
    long leader = leaderStep();
    for (PeerRow row : peers.values()) {
      String status = row.statusAt(now, stallAfter, leader);
      if (!status.equals(row.status)) {
        row.status = status;
        changed.add(row.toJson(epochs()));
      }
    }
    return changed;
  }

  private long leaderStep() {
    return peers.values().stream()
        .filter(r -> r.lifecycle == PeerRow.Lifecycle.REPORTING && !r.frozen)
        .mapToLong(r -> r.step).max().orElse(0);
  }

  /**
   * The best peer so far: the one the coordinator chose once it has, before that the live peer
   * with the highest validation accuracy at its latest epoch (a frozen KD teacher never counts).
   */
  private Optional<ObjectNode> bestPeerChanged() {
    String leader = best;
    if (!"exporting".equals(run.path("phase").asText()) && !"finished".equals(run.path("phase").asText())) {
      leader = peers.values().stream()
          .filter(r -> !Double.isNaN(r.valAccuracy) && !r.frozen && !r.pretraining && r.lifecycle != PeerRow.Lifecycle.DEAD)
          .max((a, b) -> Double.compare(a.valAccuracy, b.valAccuracy))
          .map(r -> r.name).orElse(null);
    }
    if (leader == null || leader.equals(best)) {
      return Optional.empty();
    }
    best = leader;
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("time", latest.toString());
    line.put("event", "best-peer-changed");
    line.put("peer", leader);
    line.put("val_accuracy", peers.get(leader).valAccuracy);
    return Optional.of(log(line));
  }

  private JsonNode bestJson() {
    if (best == null || !peers.containsKey(best)) {
      return JsonNodeFactory.instance.nullNode();
    }
    PeerRow row = peers.get(best);
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("peer", best);
    node.put("val_accuracy", row.valAccuracy);
    node.put("epoch", row.epoch);
    if (run.has("test_accuracy")) {
      node.put("test_accuracy", run.path("test_accuracy").asDouble());
    }
    return node;
  }

  private ObjectNode log(JsonNode line) {
    return events.add(line);
  }

  private static ObjectNode update(String kind) {
    ObjectNode update = JsonNodeFactory.instance.objectNode();
    update.put("kind", kind);
    return update;
  }

  public List<ObjectNode> rows() {
    return peers.values().stream().map(r -> r.toJson(epochs())).toList();
  }

  /** Everything: run, rows, curves, the latest agreement/KL matrix, the event log and the best peer. */
  public ObjectNode snapshot() {
    ObjectNode snapshot = JsonNodeFactory.instance.objectNode();
    snapshot.set("run", run.deepCopy());
    ArrayNode rows = snapshot.putArray("peers");
    rows().forEach(rows::add);
    ObjectNode curves = snapshot.putObject("series");
    series.forEach((name, s) -> curves.set(name, s.toJson()));
    snapshot.set("ensemble", ensemble.valAccuracy.toJson());
    snapshot.set("matrix", matrix.deepCopy());
    snapshot.set("events", events.toJson());
    snapshot.set("best", bestJson());
    return snapshot;
  }
}
