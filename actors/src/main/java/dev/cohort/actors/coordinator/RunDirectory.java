package dev.cohort.actors.coordinator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.actors.dashboard.RunFeed;
import dev.cohort.model.eval.CohortMetrics;
import dev.cohort.protocol.PeerReport;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The coordinator's files in {@code runs/<run-id>/}: {@code events.jsonl} (membership, placement,
 * failures, the choice of the best peer) and {@code metrics.jsonl} (every peer report). One JSON
 * object per line, flushed as written, so a crash loses at most the line being written.
 */
final class RunDirectory implements Closeable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final BufferedWriter events;
  private final BufferedWriter metrics;
  private final RunFeed feed;

  /** @param feed told every line as it is written (the dashboard), after the file has it */
  RunDirectory(Path root, RunFeed feed) {
    this.root = root;
    this.feed = feed;
    try {
      Files.createDirectories(root);
      events = open(root.resolve("events.jsonl"));
      metrics = open(root.resolve("metrics.jsonl"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the run directory " + root, e);
    }
  }

  Path root() {
    return root;
  }

  private static BufferedWriter open(Path file) throws IOException {
    return Files.newBufferedWriter(
        file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Appends an event: its name and fields, with the time. */
  void event(String name, Map<String, ?> fields) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", Instant.now().toString());
    line.put("event", name);
    line.putAll(fields);
    append(events, line, RunFeed.Kind.EVENT);
  }

  void metrics(PeerReport report) {
    Map<String, Object> line = new LinkedHashMap<>();
    Instant now = Instant.now();
    line.put("time", now.toString());
    line.put("peer", report.getPeer());
    line.put("node", report.getNode());
    line.put("epoch", report.getEpoch());
    line.put("step", report.getStep());
    line.put("trained_through", report.getTrainedThrough());
    line.put("restarts", report.getRestarts());
    line.put("architecture", report.getArchitecture());
    line.put("parameters", report.getParameterCount());
    line.put("steps_per_epoch", report.getStepsPerEpoch());
    line.put("ce_loss", report.getCeLoss());
    line.put("kd_loss", report.getKdLoss());
    line.put("train_accuracy", report.getTrainAccuracy());
    line.put("steps_per_second", report.getStepsPerSecond());
    line.put("wait_fraction", report.getWaitFraction());
    line.put("codec_fraction", report.getCodecFraction());
    line.put("prediction_bytes", report.getPredictionBytes());
    line.put("kept_fraction", report.getKeptFraction());
    line.put("predictions_sent", report.getPredictionsSent());
    line.put("predictions_sent_remote", report.getPredictionsSentRemote());
    if (report.getSentAtMillis() > 0) {
      // the peer's clock and this node's: one machine's, or NTP-close ones across machines
      line.put("sent_at_ms", report.getSentAtMillis());
      line.put("report_lag_ms", now.toEpochMilli() - report.getSentAtMillis());
    }
    line.put("teacher_timeouts", report.getTeacherTimeouts());
    line.put("mean_staleness", report.getMeanStaleness());
    line.put("max_staleness", report.getMaxStaleness());
    if (report.getEpochEnd()) {
      line.put("val_accuracy", report.getValAccuracy());
      line.put("val_loss", report.getValLoss());
    }
    line.put("epoch_end", report.getEpochEnd());
    line.put("finished", report.getFinished());
    line.put("pretraining", report.getPretraining());
    line.put("frozen", report.getFrozen());
    append(metrics, line, RunFeed.Kind.METRICS);
  }

  /** A cohort-level metrics line: agreement and KL between peers, ensemble accuracy. */
  void cohortMetrics(int epoch, CohortMetrics metrics) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", Instant.now().toString());
    line.put("cohort", true);
    line.put("epoch", epoch);
    line.put("ensemble_val_accuracy", metrics.ensembleAccuracy());
    line.put("mean_agreement", metrics.meanAgreement());
    line.put("mean_kl", metrics.meanKl());
    line.put("agreement", metrics.agreement());
    line.put("kl", metrics.kl());
    append(this.metrics, line, RunFeed.Kind.METRICS);
  }

  private void append(BufferedWriter writer, Map<String, Object> line, RunFeed.Kind kind) {
    String json;
    try {
      json = JSON.writeValueAsString(line);
      writer.write(json);
      writer.newLine();
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the run directory", e);
    }
    feed.line(kind, json);
  }

  @Override
  public void close() throws IOException {
    events.close();
    metrics.close();
  }
}
