package dev.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's own records as the benchmarks read them: the peers' reports of {@code metrics.jsonl}
 * (without the cohort-level lines) and the events of {@code events.jsonl}, each line a JSON tree.
 * Only whole lines count, so a file the run is still appending to can be read too; a file not
 * written yet reads as empty.
 */
final class RunFiles {

  private static final ObjectMapper JSON = new ObjectMapper();

  private RunFiles() {}

  static List<JsonNode> peerReports(Path run) throws IOException {
    return lines(run.resolve("metrics.jsonl")).stream().filter(line -> line.has("peer")).toList();
  }

  static List<JsonNode> events(Path run) throws IOException {
    return lines(run.resolve("events.jsonl"));
  }

  private static List<JsonNode> lines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    String text = Files.readString(file);
    List<JsonNode> lines = new ArrayList<>();
    int start = 0;
    for (int end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
      if (end > start) {
        lines.add(JSON.readTree(text.substring(start, end)));
      }
    }
    return lines; // what follows the last newline is a line still being written
  }
}
