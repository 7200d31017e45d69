package dev.cohort.actors.failover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A run's metrics.jsonl as a test reads it: one JSON object per peer report, with the coordinator's time. */
final class Metrics {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Metrics() {}

  static List<JsonNode> of(Path run) {
    Path file = run.resolve("metrics.jsonl");
    if (!Files.exists(file)) {
      return List.of();
    }
    List<JsonNode> lines = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file)) {
        try {
          lines.add(JSON.readTree(line));
        } catch (IOException e) {
          // the line being written
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }

  static Instant time(JsonNode line) {
    return Instant.parse(line.path("time").asText());
  }

  /** The step of {@code peer}'s last report at or before {@code at} (0 before the first). */
  static long stepAt(Path run, String peer, Instant at) {
    return of(run).stream()
        .filter(m -> m.path("peer").asText().equals(peer) && !time(m).isAfter(at))
        .mapToLong(m -> m.path("step").asLong())
        .max().orElse(0);
  }

  /** Steps per second of {@code peer} from {@code from} to {@code to}, by its reports (every few steps). */
  static double rate(Path run, String peer, Instant from, Instant to) {
    double seconds = (to.toEpochMilli() - from.toEpochMilli()) / 1000.0;
    return (stepAt(run, peer, to) - stepAt(run, peer, from)) / seconds;
  }
}
