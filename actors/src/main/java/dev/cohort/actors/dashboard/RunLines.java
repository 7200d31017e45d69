package dev.cohort.actors.dashboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run directory's {@code events.jsonl} and {@code metrics.jsonl} as one sequence of lines in the
 * order they were written (by their {@code time}), for a dashboard that takes a run over and for
 * {@code report.html}. A torn last line (its writer died mid-line) is left out.
 */
public final class RunLines {

  private static final Pattern TIME = Pattern.compile("\"time\":\"([^\"]+)\"");

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
      if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
        continue;
      }
      Matcher time = TIME.matcher(trimmed);
      Instant at;
      try {
        at = time.find() ? Instant.parse(time.group(1)) : Instant.EPOCH;
      } catch (DateTimeParseException e) {
        at = Instant.EPOCH;
      }
      lines.add(new Timed(at, order++, new Dashboard.Line(kind, trimmed)));
    }
  }
}
