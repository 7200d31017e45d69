package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;

/** One peer's row on the dashboard: its latest report and where it is in its life. */
final class PeerRow {

  /** What the run directory says happened to the peer, apart from its reports. */
  enum Lifecycle {
    PLANNED,
    PLACED,
    REPORTING,
    RESTARTING,
    /** Its node cannot be reached (it may be training behind a partition); not restarted unless the node is downed. */
    UNREACHABLE,
    DEAD
  }

  /** Waiting for teachers more than this share of the time shows a peer as waiting. */
  static final double WAITING_SHARE = 0.5;

  final String name;
  Lifecycle lifecycle = Lifecycle.PLANNED;
  String node = "";
  String device = "";
  String architecture = "";
  long parameters;
  int epoch;
  long step;
  /** The most steps seen between two of its reports: a peer this far behind the leader is only a report behind. */
  long reportGap;
  long stepsPerEpoch;
  double ceLoss = Double.NaN;
  double kdLoss = Double.NaN;
  double trainAccuracy = Double.NaN;
  double valAccuracy = Double.NaN;
  double valLoss = Double.NaN;
  double stepsPerSecond;
  double waitFraction;
  double codecFraction;
  double predictionBytes;
  double keptFraction = 1;
  double meanStaleness;
  long maxStaleness;
  long teacherTimeouts;
  int restarts;
  boolean finished;
  boolean frozen;
  boolean pretraining;
  Instant lastSeen;
  String status = "starting";

  PeerRow(String name) {
    this.name = name;
  }

  /** A {@code metrics.jsonl} line of this peer. */
  void report(JsonNode line, Instant time) {
    boolean reportedBefore = lifecycle == Lifecycle.REPORTING;
    lifecycle = Lifecycle.REPORTING;
    lastSeen = time;
    node = line.path("node").asText(node);
    architecture = line.path("architecture").asText(architecture);
    parameters = line.path("parameters").asLong(parameters);
    epoch = line.path("epoch").asInt();
    long reported = line.path("step").asLong();
    if (reportedBefore && reported > step) {
      reportGap = Math.max(reportGap, reported - step);
    }
    step = reported;
    stepsPerEpoch = line.path("steps_per_epoch").asLong(stepsPerEpoch);
    ceLoss = line.path("ce_loss").asDouble();
    kdLoss = line.path("kd_loss").asDouble();
    trainAccuracy = line.path("train_accuracy").asDouble();
    stepsPerSecond = line.path("steps_per_second").asDouble();
    waitFraction = line.path("wait_fraction").asDouble();
    codecFraction = line.path("codec_fraction").asDouble();
    predictionBytes = line.path("prediction_bytes").asDouble();
    keptFraction = line.path("kept_fraction").asDouble(1);
    meanStaleness = line.path("mean_staleness").asDouble();
    maxStaleness = line.path("max_staleness").asLong();
    teacherTimeouts = line.path("teacher_timeouts").asLong();
    restarts = line.path("restarts").asInt(restarts);
    finished = line.path("finished").asBoolean();
    frozen = line.path("frozen").asBoolean();
    pretraining = line.path("pretraining").asBoolean();
    if (line.path("epoch_end").asBoolean()) {
      valAccuracy = line.path("val_accuracy").asDouble();
      valLoss = line.path("val_loss").asDouble();
    }
  }

  /**
   * starting / training / waiting / lagging / unreachable / restarting / dead / finished, as of {@code now}:
   * lagging when it has not reported for {@code stallAfter}, or is more than a tenth of an epoch
   * behind the cohort's most advanced peer ({@code leaderStep}) and more than one report behind it
   * (peers report every few steps, so one report's steps behind is only a report not yet in).
   */
  String statusAt(Instant now, Duration stallAfter, long leaderStep) {
    return switch (lifecycle) {
      case DEAD -> "dead";
      case RESTARTING -> "restarting";
      case UNREACHABLE -> "unreachable";
      case PLANNED, PLACED -> "starting";
      case REPORTING -> {
        if (finished) {
          yield "finished";
        }
        if (lastSeen != null && Duration.between(lastSeen, now).compareTo(stallAfter) > 0) {
          yield "lagging";
        }
        if (stepsPerEpoch > 0 && leaderStep - step > Math.max(stepsPerEpoch / 10, reportGap)) {
          yield "lagging";
        }
        yield waitFraction > WAITING_SHARE ? "waiting" : "training";
      }
    };
  }

  /** Steps left and the estimated time for them at the current speed (null when unknown). */
  Duration eta(int epochs) {
    long total = (long) epochs * stepsPerEpoch;
    if (stepsPerEpoch <= 0 || stepsPerSecond <= 0 || finished) {
      return finished ? Duration.ZERO : null;
    }
    return Duration.ofMillis((long) (Math.max(0, total - step) * 1000 / stepsPerSecond));
  }

  ObjectNode toJson(int epochs) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    row.put("peer", name);
    row.put("status", status);
    row.put("node", node);
    row.put("device", device);
    row.put("architecture", architecture);
    row.put("parameters", parameters);
    row.put("epoch", epoch);
    row.put("epochs", epochs);
    row.put("step", step);
    row.put("steps_total", stepsPerEpoch * epochs);
    number(row, "ce_loss", ceLoss);
    number(row, "kd_loss", kdLoss);
    number(row, "train_accuracy", trainAccuracy);
    number(row, "val_accuracy", valAccuracy);
    number(row, "val_loss", valLoss);
    row.put("steps_per_second", stepsPerSecond);
    row.put("wait_fraction", waitFraction);
    row.put("codec_fraction", codecFraction);
    row.put("prediction_bytes", predictionBytes);
    row.put("kept_fraction", keptFraction);
    row.put("mean_staleness", meanStaleness);
    row.put("max_staleness", maxStaleness);
    row.put("teacher_timeouts", teacherTimeouts);
    row.put("restarts", restarts);
    row.put("frozen", frozen);
    if (lastSeen != null) {
      row.put("last_seen", lastSeen.toString());
    } else {
      row.putNull("last_seen");
    }
    Duration eta = eta(epochs);
    if (eta != null) {
      row.put("eta_seconds", eta.toSeconds());
    } else {
      row.putNull("eta_seconds");
    }
    return row;
  }

  private static void number(ObjectNode row, String field, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      row.putNull(field);
    } else {
      row.put(field, value);
    }
  }
}
