package dev.cohort.actors.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.TestCohorts;
import dev.cohort.actors.config.CohortSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's guards, on its real routes bound to a real port, with a probe in the dashboard
 * actor's place: the Host header against DNS rebinding (403), a closed dashboard (503 at once, the
 * actor never asked), and an actor that does not answer (503, not a 500 with a stack trace).
 */
class DashboardGuardsTest {

  @TempDir Path runs;
  private ActorTestKit testKit;
  private TestProbe<Dashboard.Command> actor;
  private DashboardRoutes routes;
  private ServerBinding binding;

  private void start(String dashboardSettings) throws Exception {
    testKit = ActorTestKit.create(ConfigFactory.load(ConfigFactory.parseString("pekko.actor.provider = local")
        .withFallback(ConfigFactory.parseResources("cohort-node.conf"))));
    CohortSettings settings = TestCohorts.settings(runs, "r", "dashboard { " + dashboardSettings + " }", "a", "b");
    Files.createDirectories(settings.runPath());
    actor = testKit.createTestProbe(Dashboard.Command.class);
    routes = new DashboardRoutes(actor.ref(), testKit.system(), new DashboardMetrics("r", "dml"),
        DashboardServer.Setup.of(settings, line -> { }));
    binding = Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(routes.route())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @BeforeEach
  void defaults() throws Exception {
    start("port = 0");
  }

  @AfterEach
  void stop() {
    binding.terminate(Duration.ofSeconds(1));
    testKit.shutdownTestKit();
  }

  private record Answer(int status, String body) {}

  /** A GET with the Host header given (java.net.http will not send a foreign one). */
  private Answer get(String path, String host) throws Exception {
    int port = binding.localAddress().getPort();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      int status = Integer.parseInt(in.readLine().split(" ")[1]);
      StringBuilder body = new StringBuilder();
      for (String line; (line = in.readLine()) != null; ) {
        body.append(line).append('\n');
      }
      return new Answer(status, body.toString());
    }
  }

  private void answerTheNextQuery() {
    Dashboard.Command asked = actor.receiveMessage(Duration.ofSeconds(20));
    assertTrue(asked instanceof Dashboard.Query, asked.toString());
    ((Dashboard.Query) asked).replyTo().tell("{\"ok\":true}");
  }

  @Test
  void aRequestForAnotherSitesNameIsRefusedAndThisMachinesNamesPass() throws Exception {
    int port = binding.localAddress().getPort();
    Answer rebound = get("/api/cohort", "attacker.example:" + port);
    assertEquals(403, rebound.status(), rebound.body());
    assertTrue(rebound.body().contains("attacker.example") && rebound.body().contains("allowed-hosts"), rebound.body());
    assertEquals(403, get("/", "attacker.example").status(), "the page too");
    actor.expectNoMessage(Duration.ofMillis(200));

    String machine = java.net.InetAddress.getLocalHost().getHostName(); // what users on the network type
    for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "10.1.2.3",
        machine + ":" + port)) {
      Thread answering = new Thread(this::answerTheNextQuery);
      answering.start();
      Answer answer = get("/api/cohort", host);
      answering.join(30_000);
      assertEquals(200, answer.status(), host + ": " + answer.body());
    }
  }

  @Test
  void namesAddedInTheSettingsPass() throws Exception {
    stop();
    start("port = 0, allowed-hosts = [\"cohort.example.org\"]");
    assertEquals(403, get("/", "other.example.org").status());
    assertEquals(200, get("/", "cohort.example.org").status());
    stop();
    start("port = 0, allowed-hosts = [\"*\"]");
    assertEquals(200, get("/", "anything.example").status());
  }

  @Test
  void aClosedDashboardAnswers503WithoutAskingTheActor() throws Exception {
    routes.close();
    Answer answer = get("/api/peers", "127.0.0.1");
    assertEquals(503, answer.status(), answer.body());
    assertTrue(answer.body().contains("stopping"), answer.body());
    actor.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void anActorThatNeverAnswersGives503NotAnError() throws Exception {
    Answer answer = get("/api/members", "127.0.0.1"); // the probe never replies: the ask times out
    assertEquals(503, answer.status(), answer.body());
    assertFalse(answer.body().contains("Exception"), answer.body());
  }
}
