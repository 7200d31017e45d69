package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A run directory's {@code events.jsonl} and {@code metrics.jsonl} as one sequence of lines in the
 * order they were written (by their {@code time}), for a dashboard that takes a run over and for
 * {@code report.html}. A torn last line (its writer died mid-line) is left out.
 */
public final class RunLines {

  private static final ObjectMapper JSON = new ObjectMapper();

  private RunLines() {}

  public static List<Dashboard.Line> read(Path runPath) throws IOException {
    List<Timed> lines = new ArrayList<>();
    add(lines, runPath.resolve("events.jsonl"), RunFeed.Kind.EVENT);
    add(lines, runPath.resolve("metrics.jsonl"), RunFeed.Kind.METRICS);
    lines.sort(Comparator.comparing(Timed::time).thenComparingInt(Timed::order));
    return lines.stream().map(Timed::line).toList();
  }

  private record Timed(Instant time, int order, Dashboard.Line line) {}

  private static void add(List<Timed> lines, Path file, RunFeed.Kind kind) throws IOException {
    if (!Files.isRegularFile(file)) {
      return;
    }
    int order = lines.size();
    for (String json : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String trimmed = json.trim();
      JsonNode line;
      try {
        line = JSON.readTree(trimmed);
      } catch (JsonProcessingException e) {
        continue; // torn: its writer died mid-line
      }
      if (line == null || !line.isObject()) {
        continue;
      }
      Instant at;
      try {
        at = line.hasNonNull("time") ? Instant.parse(line.get("time").asText()) : Instant.EPOCH;
      } catch (DateTimeParseException e) {
        at = Instant.EPOCH;
      }
      lines.add(new Timed(at, order++, new Dashboard.Line(kind, trimmed)));
    }
  }
}
