package dev.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one finished run says about its speed, read from its {@code metrics.jsonl} and {@code
 * events.jsonl}: per peer, the median wall time per step over its mid-epoch report windows (the
 * first window of each epoch, warm-up and the epoch's start, left out), and its mean shares of
 * waiting and of encoding/decoding; {@code window} is when those windows were and how many steps
 * a peer took in them.
 */
public record RunFigures(
    Map<String, Double> stepMillis,
    double waitShare,
    double codecShare,
    double bytesPerStepPerLink,
    long teacherTimeouts,
    Instant trainingStarted,
    Map<String, Double> finalValAccuracy,
    Window window,
    Map<Integer, Instant> epochEnded) {

  /**
   * The wall time of each epoch from {@code fromEpoch} (2 or later) on, in ms: from the last
   * peer's end of the epoch before to the last peer's end of this one (evaluation and checkpoint
   * included).
   */
  public List<Double> epochMillis(int fromEpoch) {
    List<Double> millis = new ArrayList<>();
    for (int epoch = Math.max(2, fromEpoch); epochEnded.containsKey(epoch); epoch++) {
      millis.add(java.time.Duration.between(epochEnded.get(epoch - 1), epochEnded.get(epoch)).toNanos() / 1e6);
    }
    return millis;
  }

  /**
   * When the counted report windows were: per peer, the (time, step) of each counted report, in
   * order, and the address of the node it ran on.
   */
  public record Window(Map<String, List<Point>> points, Map<String, String> nodes) {

    /** A report: the time it was written and the step the peer had reached. */
    public record Point(Instant time, long step) {}

    /** The steps all peers together took between {@code start} and {@code end}, interpolated between reports. */
    public double steps(Instant start, Instant end) {
      return points.keySet().stream().mapToDouble(peer -> steps(peer, start, end)).sum();
    }

    /** The steps {@code peer} took between {@code start} and {@code end}, interpolated between its reports. */
    public double steps(String peer, Instant start, Instant end) {
      List<Point> p = points.get(peer);
      return stepAt(p, end) - stepAt(p, start);
    }

    /** The peers on the node at {@code host:port}. */
    public List<String> peersAt(String hostPort) {
      return nodes.entrySet().stream().filter(e -> e.getValue().endsWith("@" + hostPort)).map(Map.Entry::getKey).toList();
    }

    private static double stepAt(List<Point> points, Instant time) {
      for (int i = 1; i < points.size(); i++) {
        Point before = points.get(i - 1);
        Point after = points.get(i);
        if (!time.isAfter(after.time())) {
          double span = java.time.Duration.between(before.time(), after.time()).toNanos();
          double into = java.time.Duration.between(before.time(), time).toNanos();
          return before.step() + (span <= 0 ? 0 : Math.max(0, Math.min(1, into / span))) * (after.step() - before.step());
        }
      }
      return points.get(points.size() - 1).step();
    }
  }

  /** The slowest peer's median step time: the pace of the cohort, which ends with its slowest peer. */
  public double slowestStepMillis() {
    return stepMillis.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  /** Mean over the peers of their median step times. */
  public double meanStepMillis() {
    return stepMillis.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  public double meanValAccuracy() {
    return finalValAccuracy.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  public static RunFigures read(Path run) throws IOException {
    return read(run, 1);
  }

  /** The same over the epochs from {@code fromEpoch} on (the ones before: the JIT compiler's warm-up). */
  public static RunFigures read(Path run, int fromEpoch) throws IOException {
    Map<String, List<Double>> windows = new LinkedHashMap<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    Map<String, List<Window.Point>> points = new LinkedHashMap<>();
    Map<Integer, Instant> epochEnded = new java.util.TreeMap<>();
    Map<String, String> nodes = new LinkedHashMap<>();
    Map<String, Double> valAccuracy = new LinkedHashMap<>();
    List<Double> waits = new ArrayList<>();
    List<Double> codecs = new ArrayList<>();
    List<Double> bytes = new ArrayList<>();
    long timeouts = 0;
    for (JsonNode line : RunFiles.peerReports(run)) {
      String peer = line.path("peer").asText();
      timeouts += line.path("teacher_timeouts").asLong();
      if (line.path("epoch_end").asBoolean()) {
        valAccuracy.put(peer, line.path("val_accuracy").asDouble());
        epochEnded.merge(line.path("epoch").asInt(), Instant.parse(line.path("time").asText()),
            (a, b) -> a.isAfter(b) ? a : b);
        continue;
      }
      if (line.path("epoch").asInt() < fromEpoch || seen.add(peer + "@" + line.path("epoch").asInt())) {
        continue; // warm-up, or an epoch's first window
      }
      nodes.put(peer, line.path("node").asText());
      points.computeIfAbsent(peer, p -> new ArrayList<>())
          .add(new Window.Point(Instant.parse(line.path("time").asText()), line.path("step").asLong()));
      double stepsPerSecond = line.path("steps_per_second").asDouble();
      if (stepsPerSecond > 0) {
        windows.computeIfAbsent(peer, p -> new ArrayList<>()).add(1000 / stepsPerSecond);
      }
      waits.add(line.path("wait_fraction").asDouble());
      codecs.add(line.path("codec_fraction").asDouble());
      if (line.path("prediction_bytes").asDouble() > 0) {
        bytes.add(line.path("prediction_bytes").asDouble());
      }
    }
    Map<String, Double> stepMillis = new LinkedHashMap<>();
    windows.forEach((peer, values) -> stepMillis.put(peer, Stats.median(values)));
    Instant started = null;
    for (JsonNode line : RunFiles.events(run)) {
      if (line.path("event").asText().equals("training-started")) {
        started = Instant.parse(line.path("time").asText());
        break;
      }
    }
    return new RunFigures(stepMillis, Stats.mean(waits), Stats.mean(codecs), bytes.isEmpty() ? 0 : Stats.mean(bytes),
        timeouts, started, valAccuracy,
        new Window(points, nodes), epochEnded);
  }
}
