package dev.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one finished run says about its speed, read from its {@code metrics.jsonl} and {@code
 * events.jsonl}: per peer, the median wall time per step over its mid-epoch report windows (the
 * first window, warm-up, left out), and its mean shares of waiting and of encoding/decoding.
 */
public record RunFigures(
    Map<String, Double> stepMillis,
    double waitShare,
    double codecShare,
    double bytesPerStepPerLink,
    long teacherTimeouts,
    Instant trainingStarted,
    Map<String, Double> finalValAccuracy) {

  private static final ObjectMapper JSON = new ObjectMapper();

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
    Map<String, List<Double>> windows = new LinkedHashMap<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    Map<String, Double> valAccuracy = new LinkedHashMap<>();
    List<Double> waits = new ArrayList<>();
    List<Double> codecs = new ArrayList<>();
    List<Double> bytes = new ArrayList<>();
    long timeouts = 0;
    for (String text : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode line = JSON.readTree(text);
      if (!line.has("peer")) {
        continue; // a cohort-level line
      }
      String peer = line.path("peer").asText();
      timeouts += line.path("teacher_timeouts").asLong();
      if (line.path("epoch_end").asBoolean()) {
        valAccuracy.put(peer, line.path("val_accuracy").asDouble());
        continue;
      }
      if (seen.merge(peer, 1, Integer::sum) == 1) {
        continue; // warm-up window
      }
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
    for (String text : Files.readAllLines(run.resolve("events.jsonl"))) {
      JsonNode line = JSON.readTree(text);
      if (line.path("event").asText().equals("training-started")) {
        started = Instant.parse(line.path("time").asText());
        break;
      }
    }
    return new RunFigures(stepMillis, Stats.mean(waits), Stats.mean(codecs), bytes.isEmpty() ? 0 : Stats.mean(bytes),
        timeouts, started, valAccuracy);
  }
}
