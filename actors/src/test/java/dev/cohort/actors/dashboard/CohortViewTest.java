package dev.cohort.actors.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dashboard's view derived from run-directory lines: statuses, the best peer, curves, the log. */
class CohortViewTest {

  private final CohortView view = new CohortView("r", List.of("a", "b"), 4, Duration.ofSeconds(30));

  private ObjectNode event(String json) {
    return view.apply(RunFeed.Kind.EVENT, json);
  }

  private ObjectNode report(String peer, String time, long step, double wait, String extra) {
    return view.apply(RunFeed.Kind.METRICS, "{\"time\":\"" + time + "\",\"peer\":\"" + peer + "\",\"epoch\":1,\"step\":" + step
        + ",\"steps_per_epoch\":100,\"ce_loss\":0.5,\"kd_loss\":0.25,\"train_accuracy\":0.8,\"steps_per_second\":10,"
        + "\"wait_fraction\":" + wait + extra + "}");
  }

  private JsonNode row(String peer) {
    for (JsonNode row : view.rows()) {
      if (row.path("peer").asText().equals(peer)) {
        return row;
      }
    }
    throw new AssertionError(peer);
  }

  @Test
  void aPeerOnlyOneReportBehindTheLeaderIsNotLagging() {
    report("a", "2026-11-28T10:00:00Z", 20, 0.1, "");
    report("b", "2026-11-28T10:00:00Z", 20, 0.1, "");
    report("a", "2026-11-28T10:00:01Z", 40, 0.1, "");
    report("b", "2026-11-28T10:00:01Z", 40, 0.1, "");
    report("a", "2026-11-28T10:00:02Z", 60, 0.1, "");
    view.refresh(Instant.parse("2026-11-28T10:00:02Z"));
    assertEquals("training", row("b").path("status").asText(),
        "20 steps behind is more than a tenth of the 100-step epoch, but b reports every 20 steps: its next is due");
    report("a", "2026-11-28T10:00:03Z", 80, 0.1, "");
    view.refresh(Instant.parse("2026-11-28T10:00:03Z"));
    assertEquals("lagging", row("b").path("status").asText(), "two reports behind");
  }

  @Test
  void statusesFollowTheLinesAndTheClock() {
    assertEquals("starting", row("a").path("status").asText());
    report("a", "2026-11-28T10:00:00Z", 10, 0.1, "");
    report("b", "2026-11-28T10:00:00Z", 10, 0.9, "");
    assertEquals("training", row("a").path("status").asText());
    assertEquals("waiting", row("b").path("status").asText(), "90% of its time waiting");
    report("a", "2026-11-28T10:00:05Z", 40, 0.1, "");
    assertEquals("lagging", view.refresh(Instant.parse("2026-11-28T10:00:06Z")).get(0).path("status").asText(),
        "b is 30 steps behind a, more than a tenth of its 100-step epoch");
    List<ObjectNode> changed = view.refresh(Instant.parse("2026-11-28T10:01:00Z"));
    assertTrue(changed.stream().anyMatch(r -> r.path("peer").asText().equals("a") && r.path("status").asText().equals("lagging")),
        "a has not reported for 55 s > stall-after 30 s: " + changed);
    event("{\"time\":\"2026-11-28T10:01:01Z\",\"event\":\"peer-restarting\",\"peer\":\"b\",\"restart\":1}");
    assertEquals("restarting", row("b").path("status").asText());
    event("{\"time\":\"2026-11-28T10:01:02Z\",\"event\":\"peer-given-up\",\"peer\":\"b\",\"restarts\":3}");
    assertEquals("dead", row("b").path("status").asText());
    report("a", "2026-11-28T10:01:03Z", 400, 0.1, ",\"finished\":true");
    assertEquals("finished", row("a").path("status").asText());
    assertEquals(0, row("a").path("eta_seconds").asLong());
  }

  @Test
  void aPeerOnAnUnreachableNodeIsShownUnreachableNotRestartingAndTrainsOnWhenItIsBack() {
    report("b", "2026-11-28T10:00:00Z", 10, 0.1, "");
    ObjectNode away = event("{\"time\":\"2026-11-28T10:00:01Z\",\"event\":\"peer-awaiting-down\",\"peer\":\"b\",\"node\":\"n3\"}");
    assertEquals("unreachable", row("b").path("status").asText());
    assertEquals("peer b is unreachable; restarted only if its node is downed", away.path("log").path("text").asText());
    event("{\"time\":\"2026-11-28T10:00:04Z\",\"event\":\"peer-reachable-again\",\"peer\":\"b\"}");
    assertEquals("training", row("b").path("status").asText());
  }

  @Test
  void theBestPeerIsTheHighestValidationAccuracyUntilTheCoordinatorChooses() {
    ObjectNode first = report("a", "2026-11-28T10:00:00Z", 100, 0, ",\"epoch_end\":true,\"val_accuracy\":0.7,\"val_loss\":0.9");
    assertEquals("a", first.path("best").path("peer").asText());
    assertEquals("best-peer-changed", first.path("log").path("event").asText());
    ObjectNode same = report("b", "2026-11-28T10:00:01Z", 100, 0, ",\"epoch_end\":true,\"val_accuracy\":0.6,\"val_loss\":1.0");
    assertFalse(same.has("log"), "a is still best");
    ObjectNode overtaken = report("b", "2026-11-28T10:00:02Z", 200, 0, ",\"epoch_end\":true,\"val_accuracy\":0.8,\"val_loss\":0.5");
    assertEquals("b", overtaken.path("best").path("peer").asText());
    ObjectNode better = report("b", "2026-11-28T10:00:02Z", 300, 0, ",\"epoch_end\":true,\"val_accuracy\":0.85,\"val_loss\":0.4");
    assertFalse(better.has("log"), "b is still best");
    assertEquals(0.85, better.path("best").path("val_accuracy").asDouble(), 1e-12, "the banner shows b's newest figure");
    assertFalse(report("a", "2026-11-28T10:00:02Z", 300, 0, "").has("best"), "another peer's report leaves the best alone");
    event("{\"time\":\"2026-11-28T10:00:03Z\",\"event\":\"best-peer-chosen\",\"peer\":\"a\",\"val_accuracy\":0.7}");
    report("b", "2026-11-28T10:00:04Z", 210, 0, "");
    assertEquals("a", view.snapshot().path("best").path("peer").asText(), "the coordinator's choice stands");
  }

  @Test
  void curvesAndTheMatrixComeFromReportsAndCohortLines() {
    report("a", "2026-11-28T10:00:00Z", 50, 0, "");
    report("a", "2026-11-28T10:00:01Z", 100, 0, ",\"epoch_end\":true,\"val_accuracy\":0.7,\"val_loss\":0.9");
    ObjectNode cohort = view.apply(RunFeed.Kind.METRICS, "{\"time\":\"2026-11-28T10:00:02Z\",\"cohort\":true,\"epoch\":1,"
        + "\"ensemble_val_accuracy\":0.75,\"mean_agreement\":0.9,\"mean_kl\":0.02,"
        + "\"agreement\":{\"a\":{\"b\":0.9},\"b\":{\"a\":0.9}},\"kl\":{\"a\":{\"b\":0.01},\"b\":{\"a\":0.03}}}");
    assertEquals(100, cohort.path("point").path("step").asLong(), "the ensemble is placed at the epoch's last step");
    JsonNode snapshot = view.snapshot();
    assertEquals("[[50,0.75],[100,0.75]]", snapshot.path("series").path("a").path("loss").toString(), "CE + KD");
    assertEquals("[[100,0.7]]", snapshot.path("series").path("a").path("val_accuracy").toString());
    assertEquals("[[100,0.75]]", snapshot.path("ensemble").toString());
    assertEquals(0.03, snapshot.path("matrix").path("kl").path("b").path("a").asDouble(), 1e-12, "KL is not symmetric");
  }

  @Test
  void aLongCurveIsThinnedToItsCapacity() {
    Curve curve = new Curve();
    for (int i = 0; i < 10 * Curve.CAPACITY; i++) {
      curve.add(i, i);
    }
    assertTrue(curve.size() <= Curve.CAPACITY);
    assertEquals(0, curve.step(0), "the first point is kept");
    assertEquals(10 * Curve.CAPACITY - 1, curve.step(curve.size() - 1), "and the newest");
    for (int i = 1; i < curve.size(); i++) {
      assertTrue(curve.step(i) > curve.step(i - 1));
    }
  }

  @Test
  void theEventLogKeepsTheNewestEntries() {
    for (int i = 0; i < CohortView.EVENT_LOG + 20; i++) {
      event("{\"time\":\"2026-11-28T10:00:00Z\",\"event\":\"checkpoint\",\"peer\":\"a\",\"step\":" + i + "}");
    }
    JsonNode log = view.snapshot().path("events");
    assertEquals(CohortView.EVENT_LOG, log.size());
    assertEquals("peer a checkpointed at step " + (CohortView.EVENT_LOG + 19), log.get(log.size() - 1).path("text").asText());
  }
}
