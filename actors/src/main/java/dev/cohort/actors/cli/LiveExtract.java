package dev.cohort.actors.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.actors.dashboard.ControlToken;
import dev.cohort.actors.launch.UsageException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code extract --live URL [--token T | --run RUN_DIR] [--metric M]}: asks a running cohort's
 * dashboard to extract the best peer now (from its latest checkpoints, on the coordinator's node)
 * and waits for the result. The token comes from {@code --token}, {@code COHORT_TOKEN}, or the run
 * directory's {@code dashboard.token}.
 */
final class LiveExtract {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofMinutes(10);

  private LiveExtract() {}

  static int run(String url, String givenToken, Path tokenRun, String metric) throws IOException {
    dashboardAddress(url);
    String token = givenToken != null ? givenToken : System.getenv("COHORT_TOKEN");
    if (tokenRun != null) {
      try {
        token = Files.readString(tokenRun.resolve(ControlToken.FILE)).trim();
      } catch (IOException e) {
        throw new UsageException("--run " + tokenRun + ": cannot read its " + ControlToken.FILE + " ("
            + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage())
            + "); is it the directory of a run with a dashboard?");
      }
    }
    if (token == null || token.isBlank()) {
      throw new UsageException("extract --live needs the run's control token: --token T, COHORT_TOKEN, or --run RUN_DIR"
          + " (it reads RUN_DIR/" + ControlToken.FILE + ")");
    }
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String body = metric == null ? "{}" : JSON.createObjectNode().put("metric", metric).toString();
    HttpResponse<String> started = send(client, HttpRequest.newBuilder(URI.create(base + "/api/extract"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), base);
    if (started.statusCode() != 202) {
      System.err.println("error: " + base + "/api/extract answered " + started.statusCode() + ": " + started.body().trim());
      return 2;
    }
    String status = JSON.readTree(started.body()).path("href").asText();
    System.out.println("extraction started on the coordinator's node; waiting for " + base + status);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode job = JSON.readTree(send(client, HttpRequest.newBuilder(URI.create(base + status)).GET().build(), base).body());
      switch (job.path("status").asText()) {
        case "done" -> {
          System.out.println(String.format(Locale.ROOT, "chosen by %s: %s (val_acc %.4f); test_acc %.4f on %d test examples",
              job.path("selected_by").asText(), job.path("peer").asText(), job.path("val_accuracy").asDouble(),
              job.path("test_accuracy").asDouble(), job.path("test_examples").asLong()));
          System.out.println("  model: " + job.path("model").asText());
          System.out.println("  card:  " + job.path("card").asText());
          return 0;
        }
        case "failed" -> {
          System.err.println("error: the live extraction failed: " + job.path("error").asText());
          return 1;
        }
        default -> sleep();
      }
    }
    System.err.println("error: the extraction did not finish within " + WAIT.toMinutes() + " minutes (see " + base + status + ")");
    return 1;
  }

  /** The dashboard's URL, refused unless it is http(s)://HOST[:PORT][/]. */
  static URI dashboardAddress(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new UsageException("--live " + url + " is not a URL (" + e.getReason() + "): expected the dashboard's address,"
          + " e.g. http://127.0.0.1:8080/ (printed at the run's start, kept in runs/<id>/dashboard.json)");
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw new UsageException("--live " + url + " is not a dashboard URL: expected http://HOST:PORT/, e.g."
          + " http://127.0.0.1:8080/ (printed at the run's start, kept in runs/<id>/dashboard.json)");
    }
    return uri;
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest request, String base) throws IOException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw new UsageException("no dashboard answers at " + base + " (is the run still going? the URL is printed at its start"
          + " and kept in runs/<id>/dashboard.json)");
    } catch (IOException e) {
      throw new UsageException("the dashboard at " + base + " could not be asked: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
