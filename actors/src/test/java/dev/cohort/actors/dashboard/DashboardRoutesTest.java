package dev.cohort.actors.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.TestCohorts;
import dev.cohort.actors.config.CohortSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route of a real dashboard (its actor, its HTTP server on a free loopback port) fed the
 * lines of a small run: the page and assets, the JSON snapshots, SSE with Last-Event-ID, the
 * Prometheus text, the health checks, and the controls' 401 / 403 / 400 / 202 / 409 answers.
 */
class DashboardRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path runs;
  private ActorTestKit testKit;
  private TestProbe<RunControl> coordinator;
  private final List<String> console = new CopyOnWriteArrayList<>();
  private String base;
  private String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static final String[] LINES = {
      "E{\"time\":\"2026-11-28T10:00:00Z\",\"event\":\"run-started\",\"run\":\"r\",\"peers\":2,\"nodes\":1,\"topology\":\"dml\"}",
      "E{\"time\":\"2026-11-28T10:00:01Z\",\"event\":\"peer-placed\",\"peer\":\"a\",\"node\":\"pekko://cohort@127.0.0.1:1\",\"device\":\"cpu\",\"threads\":1}",
      "E{\"time\":\"2026-11-28T10:00:01Z\",\"event\":\"training-started\"}",
      "M{\"time\":\"2026-11-28T10:00:02Z\",\"peer\":\"a\",\"node\":\"n\",\"epoch\":1,\"step\":5,\"architecture\":\"MLP 12-16-4\",\"parameters\":276,\"steps_per_epoch\":10,\"ce_loss\":1.2,\"kd_loss\":0.1,\"train_accuracy\":0.5,\"steps_per_second\":50,\"wait_fraction\":0.1,\"codec_fraction\":0.002,\"prediction_bytes\":5174,\"epoch_end\":false,\"finished\":false}",
      "M{\"time\":\"2026-11-28T10:00:03Z\",\"peer\":\"a\",\"node\":\"n\",\"epoch\":1,\"step\":10,\"architecture\":\"MLP 12-16-4\",\"parameters\":276,\"steps_per_epoch\":10,\"ce_loss\":1.0,\"kd_loss\":0.1,\"train_accuracy\":0.6,\"steps_per_second\":50,\"wait_fraction\":0.7,\"codec_fraction\":0.002,\"prediction_bytes\":5174,\"epoch_end\":true,\"val_accuracy\":0.61,\"val_loss\":0.9,\"finished\":false}",
  };

  @BeforeEach
  void start() throws Exception {
    testKit = ActorTestKit.create(ConfigFactory.load(ConfigFactory.parseString(
            "pekko.actor.serialize-messages = on\n"
                + "pekko.remote.artery.canonical.hostname = 127.0.0.1\n"
                + "pekko.remote.artery.canonical.port = 0\n")
        .withFallback(ConfigFactory.parseResources("cohort-node.conf"))));
    Cluster.get(testKit.system()).manager().tell(Join.create(Cluster.get(testKit.system()).selfMember().address()));
    CohortSettings settings = TestCohorts.settings(runs, "r", "dashboard { port = 0 }", "a", "b");
    Files.createDirectories(settings.runPath());
    coordinator = testKit.createTestProbe(RunControl.class);
    ActorRef<Dashboard.Command> dashboard =
        testKit.spawn(Dashboard.create(settings, console::add, coordinator.ref(), List.of(), null));
    for (String line : LINES) {
      dashboard.tell(new Dashboard.Line(line.charAt(0) == 'E' ? RunFeed.Kind.EVENT : RunFeed.Kind.METRICS, line.substring(1)));
    }
    Path address = settings.runPath().resolve("dashboard.json");
    coordinator.awaitAssert(Duration.ofSeconds(30), () -> {
      assertTrue(Files.exists(address), "the dashboard writes where it listens");
      return null;
    });
    base = JSON.readTree(address.toFile()).path("url").asText().replaceAll("/$", "");
    token = Files.readString(settings.runPath().resolve(ControlToken.FILE)).trim();
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Snapshots are built once every line has been applied: wait for the last one. */
  private JsonNode cohortAfterAllLines() throws Exception {
    JsonNode[] cohort = new JsonNode[1];
    coordinator.awaitAssert(Duration.ofSeconds(20), () -> {
      try {
        cohort[0] = JSON.readTree(get("/api/cohort").body());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      assertEquals(2, cohort[0].path("series").path("a").path("loss").size(), "a's two reports, the last lines");
      return null;
    });
    return cohort[0];
  }

  @Test
  void servesThePageItsAssetsAndTheSnapshots() throws Exception {
    HttpResponse<String> page = get("/");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("assets/dashboard.js"));
    assertTrue(get("/assets/dashboard.js").body().contains("EventSource"));
    assertTrue(get("/assets/dashboard.css").statusCode() == 200);
    assertEquals(404, get("/assets/nothing.js").statusCode());

    JsonNode cohort = cohortAfterAllLines();
    assertEquals("training", cohort.path("run").path("phase").asText());
    assertEquals("dml", cohort.path("run").path("topology").asText());
    JsonNode a = cohort.path("peers").get(0);
    assertEquals("a", a.path("peer").asText());
    assertEquals("waiting", a.path("status").asText(), "70% of its time waiting for teachers");
    assertEquals(0.61, a.path("val_accuracy").asDouble(), 1e-12);
    assertEquals("MLP 12-16-4", a.path("architecture").asText());
    assertEquals("starting", cohort.path("peers").get(1).path("status").asText(), "b has not reported");
    assertEquals(2, cohort.path("series").path("a").path("loss").size());
    assertEquals(1.1, cohort.path("series").path("a").path("loss").get(1).get(1).asDouble(), 1e-12, "CE + KD");
    assertEquals("a", cohort.path("best").path("peer").asText());
    assertTrue(cohort.path("events").toString().contains("best peer so far: a"));

    JsonNode peers = JSON.readTree(get("/api/peers").body());
    assertEquals(2, peers.size());
    JsonNode members = JSON.readTree(get("/api/members").body());
    assertEquals(1, members.size());
    assertEquals("up", members.get(0).path("status").asText());
    assertTrue(members.get(0).path("reachable").asBoolean());
  }

  @Test
  void aSecondRunFindingThePortTakenSaysSoAndGoesOn() throws Exception {
    int port = URI.create(base).getPort();
    CohortSettings other = TestCohorts.settings(runs, "other", "dashboard { port = " + port + " }", "a");
    Files.createDirectories(other.runPath());
    List<String> otherConsole = new CopyOnWriteArrayList<>();
    ActorRef<Dashboard.Command> second =
        testKit.spawn(Dashboard.create(other, otherConsole::add, coordinator.ref(), List.of(), null));
    coordinator.awaitAssert(Duration.ofSeconds(30), () -> {
      assertTrue(otherConsole.stream().anyMatch(l -> l.startsWith("dashboard: cannot listen on 127.0.0.1:" + port)
          && l.contains("the run goes on without it")), otherConsole.toString());
      return null;
    });
    assertFalse(Files.exists(other.runPath().resolve("dashboard.json")), "no address is advertised");
    assertEquals(200, get("/api/peers").statusCode(), "the first dashboard is untouched");
    testKit.stop(second);
  }

  @Test
  void servesPrometheusTextAndHealthChecks() throws Exception {
    cohortAfterAllLines();
    HttpResponse<String> metrics = get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String text = metrics.body();
    assertTrue(text.contains("cohort_peer_val_accuracy{peer=\"a\"} 0.61"), text);
    assertTrue(text.contains("cohort_peer_prediction_bytes{peer=\"a\"} 5174.0"), text);
    assertTrue(text.contains("cohort_peer_reports_total{peer=\"a\"} 2.0"), text);
    assertTrue(text.contains("cohort_peer_status{peer=\"a\",status=\"waiting\"} 1.0"), text);
    assertTrue(text.contains("cohort_run_info{run=\"r\",topology=\"dml\"} 1.0"), text);
    for (String line : text.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        assertTrue(line.startsWith("cohort_"), "every metric is prefixed cohort_: " + line);
      }
    }
    assertEquals(200, get("/alive").statusCode());
    assertEquals(200, get("/ready").statusCode(), "a member that is up is ready");
  }

  @Test
  void streamsUpdatesAndResumesAfterLastEventId() throws Exception {
    cohortAfterAllLines();
    List<String> ids = new ArrayList<>();
    HttpResponse<java.io.InputStream> stream = http.send(
        HttpRequest.newBuilder(URI.create(base + "/api/events")).header("Last-Event-ID", "2").GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, stream.statusCode());
    assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String line;
      while (ids.size() < 3 && (line = reader.readLine()) != null) {
        if (line.startsWith("id:")) {
          ids.add(line.substring(3).trim());
        }
      }
    }
    assertEquals(List.of("3", "4", "5"), ids, "replayed from the update after Last-Event-ID");

    assertEquals(400, get("/api/events", "Last-Event-ID", "yesterday").statusCode());
  }

  @Test
  void controlsNeedTheRunsTokenAndRejectMalformedRequests() throws Exception {
    Path tokenFile = runs.resolve("r").resolve(ControlToken.FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
    assertTrue(token.length() >= 40, "256 random bits");

    HttpResponse<String> anonymous = post("/api/stop", "");
    assertEquals(401, anonymous.statusCode());
    assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    assertEquals(401, post("/api/extract", "{}", "Authorization", "Basic dXNlcjpwYXNz").statusCode());
    assertEquals(403, post("/api/stop", "", "Authorization", "Bearer " + token + "x").statusCode());
    assertEquals(403, post("/api/extract", "{}", "Authorization", "Bearer wrong").statusCode());
    coordinator.expectNoMessage(Duration.ofMillis(200));

    String auth = "Bearer " + token;
    HttpResponse<String> notJson = post("/api/extract", "{metric", "Authorization", auth);
    assertEquals(400, notJson.statusCode());
    assertTrue(notJson.body().contains("not JSON"), notJson.body());
    HttpResponse<String> badMetric = post("/api/extract", "{\"metric\":\"val_f1\"}", "Authorization", auth);
    assertEquals(400, badMetric.statusCode());
    assertTrue(badMetric.body().contains("val_f1"), badMetric.body());
    HttpResponse<String> unknownField = post("/api/extract", "{\"peer\":\"a\"}", "Authorization", auth);
    assertEquals(400, unknownField.statusCode());
    assertTrue(unknownField.body().contains("unknown field 'peer'"), unknownField.body());
    assertEquals(400, post("/api/extract", "[1]", "Authorization", auth).statusCode());
    assertEquals(405, get("/api/stop").statusCode(), "controls are POST only");
    assertEquals(404, get("/api/extractions/99").statusCode());

    assertEquals(202, post("/api/stop", "", "Authorization", auth).statusCode());
    RunControl.Stop stop = coordinator.expectMessageClass(RunControl.Stop.class);
    assertTrue(stop.by().contains("dashboard"));
    assertEquals(409, post("/api/stop", "", "Authorization", auth).statusCode(), "told once");
    assertFalse(console.isEmpty());
    assertTrue(console.stream().anyMatch(l -> l.contains(token)), "the token is printed at start: " + console);
  }
}
