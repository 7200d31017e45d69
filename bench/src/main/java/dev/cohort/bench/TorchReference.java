package dev.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
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
 * machine and data: either a whole run (one JSON line per measurement) or a {@link Session} that
 * steps on demand. Absent (with the reason) when there is no Python with torch here.
 */
public final class TorchReference {

  public record Line(String model, String mode, int peers, double medianMillis, double perPeerMillis, String framework) {}

  public record Outcome(List<Line> lines, String problem) {
    public Optional<Line> find(String model, String mode, int peers) {
      return lines.stream().filter(l -> l.model().equals(model) && l.mode().equals(mode) && l.peers() == peers).findFirst();
    }
  }

  private TorchReference() {}

  /** Debian's python3-torch lives in the system Python, which a pyenv or venv on the PATH hides. */
  private static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  /**
   * {@code torch_step.py --serve}: PyTorch steps on demand, so that a caller interleaves them with
   * its own and both see the machine at the same speed. One network per model, kept across calls.
   */
  public static final class Session implements AutoCloseable {
    private final Process process;
    private final java.io.BufferedWriter in;
    private final BufferedReader out;
    private final ObjectMapper json = new ObjectMapper();
    private String framework = "pytorch";

    private Session(Process process) {
      this.process = process;
      this.in = new java.io.BufferedWriter(new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
      this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the session, or says why it cannot (no script, no Python with torch). */
    public static Session start(Path script, Path data, int threads) throws IOException {
      if (!Files.isRegularFile(script)) {
        throw new IOException("no " + script + " (run from the repository root)");
      }
      Process process = new ProcessBuilder(python(), script.toString(), "--serve", "--data", data.toString(),
          "--threads", String.valueOf(threads)).redirectErrorStream(true).start();
      Session session = new Session(process);
      session.steps("mlp", 1); // loads torch and the data, or fails here with Python's words
      return session;
    }

    /** Runs {@code count} more steps of {@code model} ("mlp" or "cnn"); their wall times in ms. */
    public List<Double> steps(String model, int count) throws IOException {
      in.write(model + " " + count + "\n");
      in.flush();
      StringBuilder other = new StringBuilder();
      for (String text = out.readLine(); text != null; text = out.readLine()) {
        if (!text.startsWith("{")) {
          other.append(text).append('\n');
          continue;
        }
        JsonNode line = json.readTree(text);
        framework = line.path("framework").asText(framework);
        List<Double> times = new ArrayList<>();
        line.path("times_ms").forEach(t -> times.add(t.asDouble()));
        return times;
      }
      String tail = other.length() > 400 ? other.substring(other.length() - 400) : other.toString();
      throw new IOException("torch_step.py --serve ended: " + tail.strip());
    }

    public String framework() {
      return framework;
    }

    @Override
    public void close() {
      try {
        in.write("quit\n");
        in.flush();
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (IOException | InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        process.destroy();
      }
    }
  }

  /** @param peers cohort sizes for the mutual-learning lines, e.g. "2,3"; "" for independent training only */
  public static Outcome run(Path script, Path data, int threads, int steps, String peers) {
    if (!Files.isRegularFile(script)) {
      return new Outcome(List.of(), "no " + script + " (run from the repository root)");
    }
    List<String> command = List.of(python(), script.toString(), "--data", data.toString(), "--threads",
        String.valueOf(threads), "--steps", String.valueOf(steps), "--peers", peers);
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
