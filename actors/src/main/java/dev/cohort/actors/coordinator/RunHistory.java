package dev.cohort.actors.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.protocol.PeerReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a run directory says about a run so far, read back by a coordinator that takes over (its
 * predecessor's node was lost) or resumes a stopped run: each peer's latest epoch result, how
 * often each peer was restarted, which peers were given up, and whether the KD teacher was frozen.
 * A torn last line (the writer died mid-line) is skipped. {@code finished}: it ended successfully.
 */
public record RunHistory(
    Map<String, PeerReport> lastEpochEnd,
    Map<String, Integer> restarts,
    Set<String> givenUp,
    boolean teacherFrozen,
    boolean finished) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public static RunHistory read(Path run) throws IOException {
    Map<String, PeerReport> lastEpochEnd = new LinkedHashMap<>();
    Map<String, Integer> restarts = new HashMap<>();
    Set<String> givenUp = new TreeSet<>();
    boolean[] finished = new boolean[1];
    boolean[] teacherFrozen = new boolean[1];
    forEachLine(run.resolve("metrics.jsonl"), line -> {
      if (line.path("epoch_end").asBoolean(false) && !line.path("pretraining").asBoolean(false)) {
        lastEpochEnd.put(line.path("peer").asText(), report(line));
      }
    });
    forEachLine(run.resolve("events.jsonl"), line -> {
      switch (line.path("event").asText()) {
        case "run-finished" -> finished[0] |= line.path("success").asBoolean(false);
        case "teacher-frozen" -> teacherFrozen[0] = true;
        case "peer-restarting" -> restarts.merge(line.path("peer").asText(), 1, Integer::sum);
        case "peer-given-up" -> givenUp.add(line.path("peer").asText());
        default -> { }
      }
    });
    return new RunHistory(lastEpochEnd, restarts, givenUp, teacherFrozen[0], finished[0]);
  }

  private static PeerReport report(JsonNode line) {
    return PeerReport.newBuilder()
        .setPeer(line.path("peer").asText())
        .setNode(line.path("node").asText())
        .setEpoch(line.path("epoch").asInt())
        .setStep(line.path("step").asLong())
        .setTrainedThrough(line.path("trained_through").asLong(-1))
        .setCeLoss(line.path("ce_loss").asDouble())
        .setKdLoss(line.path("kd_loss").asDouble())
        .setTrainAccuracy(line.path("train_accuracy").asDouble())
        .setStepsPerSecond(line.path("steps_per_second").asDouble())
        .setWaitFraction(line.path("wait_fraction").asDouble())
        .setCodecFraction(line.path("codec_fraction").asDouble())
        .setPredictionBytes(line.path("prediction_bytes").asDouble())
        .setKeptFraction(line.path("kept_fraction").asDouble(1))
        .setTeacherTimeouts(line.path("teacher_timeouts").asLong())
        .setMeanStaleness(line.path("mean_staleness").asDouble())
        .setMaxStaleness(line.path("max_staleness").asLong())
        .setEpochEnd(true)
        .setValAccuracy(line.path("val_accuracy").asDouble())
        .setValLoss(line.path("val_loss").asDouble())
        .setFinished(line.path("finished").asBoolean())
        .setFrozen(line.path("frozen").asBoolean())
        .build();
  }

  private interface LineHandler {
    void accept(JsonNode line);
  }

  private static void forEachLine(Path file, LineHandler handler) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (IOException e) {
          continue; // a line torn by a crash
        }
        handler.accept(node);
      }
    }
  }
}
