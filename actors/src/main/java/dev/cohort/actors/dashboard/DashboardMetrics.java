package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The run in Prometheus' text format at {@code /metrics}, every name prefixed {@code cohort_}.
 * A registry of its own per dashboard (several runs' dashboards may share a JVM in tests).
 * Gauges are set from the dashboard's actor and read by scrapes on HTTP threads; both are safe.
 */
final class DashboardMetrics {

  private static final List<String> PEER_GAUGES = List.of(
      "epoch", "step", "ce_loss", "kd_loss", "train_accuracy", "val_accuracy", "val_loss", "steps_per_second",
      "wait_fraction", "codec_fraction", "prediction_bytes", "kept_fraction", "mean_staleness", "max_staleness", "teacher_timeouts", "restarts");
  private static final List<String> STATUSES =
      List.of("starting", "training", "waiting", "lagging", "restarting", "dead", "finished");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Map<String, Gauge> peerGauges = new java.util.LinkedHashMap<>();
  private final Gauge peerStatus;
  private final Counter reports;
  private final Gauge ensembleAccuracy;
  private final Gauge meanAgreement;
  private final Gauge meanKl;
  private final Gauge members;
  private final Gauge clients;
  private final Counter updates;
  private final Gauge refused;
  private final Counter events;

  DashboardMetrics(String runId, String topology) {
    for (String name : PEER_GAUGES) {
      peerGauges.put(name, Gauge.builder().name("cohort_peer_" + name)
          .help("the peer's latest reported " + name.replace('_', ' ')).labelNames("peer").register(registry));
    }
    peerStatus = Gauge.builder().name("cohort_peer_status")
        .help("1 for the peer's current status (starting, training, waiting, lagging, restarting, dead, finished)")
        .labelNames("peer", "status").register(registry);
    reports = Counter.builder().name("cohort_peer_reports").help("reports received from the peer")
        .labelNames("peer").register(registry);
    ensembleAccuracy = Gauge.builder().name("cohort_ensemble_val_accuracy")
        .help("validation accuracy of the cohort's averaged prediction at the latest epoch").register(registry);
    meanAgreement = Gauge.builder().name("cohort_mean_agreement")
        .help("share of validation examples two peers classify alike, mean over pairs").register(registry);
    meanKl = Gauge.builder().name("cohort_mean_kl").help("KL divergence between peers' validation predictions, mean over pairs")
        .register(registry);
    members = Gauge.builder().name("cohort_cluster_members").help("cluster members by status and reachability")
        .labelNames("status", "reachable").register(registry);
    clients = Gauge.builder().name("cohort_dashboard_sse_clients").help("browsers and other clients on /api/events")
        .register(registry);
    updates = Counter.builder().name("cohort_dashboard_updates").help("updates published to /api/events").register(registry);
    refused = Gauge.builder().name("cohort_dashboard_updates_refused")
        .help("updates not queued for a client because its queue was full, since the dashboard started").register(registry);
    events = Counter.builder().name("cohort_run_events").help("events written to the run's events.jsonl")
        .labelNames("event").register(registry);
    Gauge.builder().name("cohort_run_info").help("1, labelled with the run id and topology")
        .labelNames("run", "topology").register(registry).labelValues(runId, topology).set(1);
  }

  void peer(JsonNode row, boolean isReport) {
    String peer = row.path("peer").asText();
    for (String name : PEER_GAUGES) {
      JsonNode value = row.path(name);
      if (value.isNumber()) {
        peerGauges.get(name).labelValues(peer).set(value.asDouble());
      }
    }
    String status = row.path("status").asText();
    for (String s : STATUSES) {
      peerStatus.labelValues(peer, s).set(s.equals(status) ? 1 : 0);
    }
    if (isReport) {
      reports.labelValues(peer).inc();
    }
  }

  void cohort(JsonNode matrix, double ensemble) {
    ensembleAccuracy.set(ensemble);
    meanAgreement.set(matrix.path("mean_agreement").asDouble());
    meanKl.set(matrix.path("mean_kl").asDouble());
  }

  void event(String name) {
    events.labelValues(name).inc();
  }

  void members(Map<String, Integer> byStatusAndReachability) {
    members.clear();
    byStatusAndReachability.forEach((key, count) -> {
      String[] parts = key.split("/", 2);
      members.labelValues(parts[0], parts[1]).set(count);
    });
  }

  void clients(int count) {
    clients.set(count);
  }

  void refused(long count) {
    refused.set(count);
  }

  void published() {
    updates.inc();
  }

  String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
