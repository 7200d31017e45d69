package dev.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one run of the scale harness says about the runtime, read from its {@code metrics.jsonl}
 * and {@code events.jsonl}. Rates come from the peers' progress reports of epochs from {@code
 * fromEpoch} on (epoch-end reports cover a whole epoch and would count twice); a report's window
 * lasts its steps divided by its steps per second.
 *
 * @param allTraining when the last peer's first report was written: every peer trains
 * @param startSeconds from the harness launching the JVMs until then
 * @param stepsPerSecond per peer, its steps over its windows' seconds
 * @param messagesPerStep per node address, the prediction messages its peers sent per step of the
 *     cohort (a lock-step cohort's peers take the same steps); {@code remoteMessagesPerStep}: those
 *     to other nodes; {@code bytesPerStep}: their bytes
 * @param messagesPerSecond all peers' prediction messages per second of their windows, summed
 * @param reportLagMillis every report's lag from the peer's send to the coordinator's writing it
 * @param sentAtMillis the peer's send time of each report, by "peer:step" (the first such report)
 * @param countedFrom the first counted report's time, over all peers ({@code countedTo}: the last);
 *     null when no report was counted
 */
record ScaleFigures(
    Instant allTraining,
    double startSeconds,
    Map<String, Double> stepsPerSecond,
    Map<String, Double> messagesPerStep,
    Map<String, Double> remoteMessagesPerStep,
    Map<String, Double> bytesPerStep,
    double messagesPerSecond,
    List<Double> reportLagMillis,
    Map<String, Long> sentAtMillis,
    Instant countedFrom,
    Instant countedTo,
    long teacherTimeouts,
    boolean finished) {

  /** Sums of one peer's counted windows. */
  private static final class Sums {
    String node;
    double steps;
    double seconds;
    double messages;
    double remote;
    double bytes;
  }

  static ScaleFigures read(Path run, Instant launched, int fromEpoch) throws IOException {
    Map<String, Sums> byPeer = new TreeMap<>();
    Instant countedFrom = null;
    Instant countedTo = null;
    Map<String, Long> lastStep = new HashMap<>();
    Map<String, Instant> firstReport = new HashMap<>();
    Map<String, Long> sentAt = new HashMap<>();
    List<Double> lags = new ArrayList<>();
    long timeouts = 0;
    for (JsonNode line : RunFiles.peerReports(run)) {
      String peer = line.path("peer").asText();
      long step = line.path("step").asLong();
      firstReport.putIfAbsent(peer, Instant.parse(line.path("time").asText()));
      if (line.has("report_lag_ms")) {
        lags.add(line.path("report_lag_ms").asDouble());
        sentAt.putIfAbsent(peer + ":" + step, line.path("sent_at_ms").asLong());
      }
      timeouts += line.path("teacher_timeouts").asLong();
      Long before = lastStep.put(peer, step);
      double stepsPerSecond = line.path("steps_per_second").asDouble();
      if (line.path("epoch_end").asBoolean() || line.path("epoch").asInt() < fromEpoch || before == null
          || step <= before || stepsPerSecond <= 0) {
        continue;
      }
      Sums sums = byPeer.computeIfAbsent(peer, p -> new Sums());
      long sent = line.path("predictions_sent").asLong();
      sums.node = line.path("node").asText();
      sums.steps += step - before;
      sums.seconds += (step - before) / stepsPerSecond;
      sums.messages += sent;
      sums.remote += line.path("predictions_sent_remote").asLong();
      sums.bytes += sent * line.path("prediction_bytes").asDouble();
      Instant time = Instant.parse(line.path("time").asText());
      countedFrom = countedFrom == null || time.isBefore(countedFrom) ? time : countedFrom;
      countedTo = countedTo == null || time.isAfter(countedTo) ? time : countedTo;
    }
    Map<String, Double> stepsPerSecond = new LinkedHashMap<>();
    Map<String, Double> messages = new TreeMap<>();
    Map<String, Double> remote = new TreeMap<>();
    Map<String, Double> bytes = new TreeMap<>();
    double perSecond = 0;
    for (Map.Entry<String, Sums> entry : byPeer.entrySet()) {
      Sums sums = entry.getValue();
      stepsPerSecond.put(entry.getKey(), sums.steps / sums.seconds);
      messages.merge(sums.node, sums.messages / sums.steps, Double::sum);
      remote.merge(sums.node, sums.remote / sums.steps, Double::sum);
      bytes.merge(sums.node, sums.bytes / sums.steps, Double::sum);
      perSecond += sums.messages / sums.seconds;
    }
    Instant allTraining = firstReport.values().stream().max(Instant::compareTo).orElse(launched);
    boolean finished = false;
    for (JsonNode event : RunFiles.events(run)) {
      finished |= event.path("event").asText().equals("run-finished") && event.path("success").asBoolean();
    }
    return new ScaleFigures(allTraining, Duration.between(launched, allTraining).toMillis() / 1000.0, stepsPerSecond, messages,
        remote, bytes, perSecond, lags, sentAt, countedFrom, countedTo, timeouts, finished);
  }

  /** The median over the peers of their steps per second. */
  double medianStepsPerSecond() {
    return Stats.median(new ArrayList<>(stepsPerSecond.values()));
  }

  /** The cohort's pace: its peers' steps per second, summed. */
  double cohortStepsPerSecond() {
    return stepsPerSecond.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  static double meanOver(Map<String, Double> perNode) {
    return Stats.mean(new ArrayList<>(perNode.values()));
  }
}
