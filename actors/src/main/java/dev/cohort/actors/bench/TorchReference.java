package dev.cohort.actors.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch reference, {@code docs/bench/torch_step.py}, run as a child process on the same
 * machine and data: one JSON line per measurement. Absent (with the reason) when there is no
 * Python with torch here.
 */
public final class TorchReference {

  public record Line(String model, String mode, int peers, double medianMillis, double perPeerMillis, String framework) {}

  public record Outcome(List<Line> lines, String problem) {
    public Optional<Line> find(String model, String mode, int peers) {
      return lines.stream().filter(l -> l.model().equals(model) && l.mode().equals(mode) && l.peers() == peers).findFirst();
    }
  }

  private TorchReference() {}

  public static Outcome run(Path script, Path data, int threads, int steps) {
    if (!Files.isRegularFile(script)) {
      return new Outcome(List.of(), "no " + script + " (run from the repository root)");
    }
    // Debian's python3-torch lives in the system Python, which a pyenv or venv on the PATH hides.
    String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    List<String> command = List.of(python, script.toString(), "--data", data.toString(), "--threads",
        String.valueOf(threads), "--steps", String.valueOf(steps));
    List<Line> lines = new ArrayList<>();
    StringBuilder other = new StringBuilder();
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      ObjectMapper json = new ObjectMapper();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String text = out.readLine(); text != null; text = out.readLine()) {
          if (!text.startsWith("{")) {
            other.append(text).append('\n');
            continue;
          }
          JsonNode line = json.readTree(text);
          lines.add(new Line(line.path("model").asText(), line.path("mode").asText(), line.path("peers").asInt(),
              line.path("median_ms").asDouble(), line.path("per_peer_median_ms").asDouble(line.path("median_ms").asDouble()),
              line.path("framework").asText()));
        }
      }
      if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
        String tail = other.length() > 400 ? other.substring(other.length() - 400) : other.toString();
        return new Outcome(lines, String.join(" ", command) + " failed: " + tail.strip());
      }
    } catch (Exception e) {
      return new Outcome(lines, String.join(" ", command) + " could not run: " + e.getMessage());
    }
    return new Outcome(lines, null);
  }
}
