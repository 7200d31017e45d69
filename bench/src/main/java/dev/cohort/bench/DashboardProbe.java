package dev.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user watching a run's dashboard while the scale harness measures it: one thread asks {@code
 * /api/peers} (every peer's row, the largest answer) every {@code every} and times each answer;
 * another reads {@code /api/events} (Server-Sent Events) and notes when each peer update arrived,
 * by "peer:step", on the wall clock the peers stamp their reports with (one machine's), so {@link
 * #sseLagMillis} can set them against the reports' send times. It finds the dashboard through the
 * run's {@code dashboard.json} once the coordinator has written it.
 */
final class DashboardProbe implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** An answer of {@code /api/peers}: when it was asked (wall clock, ms) and how long it took. */
  private record Answer(long askedAt, double millis) {}

  private final List<Answer> answers = new CopyOnWriteArrayList<>();
  private final AtomicLong apiFailures = new AtomicLong();
  private final Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
  private final Thread poller;
  private final Thread listener;
  private volatile boolean closed;

  DashboardProbe(Path run, Duration every) {
    poller = new Thread(() -> poll(run, every), "scale-api-poller");
    poller.setDaemon(true);
    listener = new Thread(() -> listen(run), "scale-sse-client");
    listener.setDaemon(true);
    poller.start();
    listener.start();
  }

  /**
   * Latencies of the {@code /api/peers} answers asked from {@code from} on, in ms (before: JVMs
   * starting and loading ND4J on the same cores, which says nothing of the dashboard).
   */
  List<Double> apiMillis(Instant from) {
    return answers.stream().filter(a -> a.askedAt() >= from.toEpochMilli()).map(Answer::millis).toList();
  }

  /** Requests that failed (refused, timed out, not 200) once the dashboard was up. */
  long apiFailures() {
    return apiFailures.get();
  }

  /** Updates received per peer report ("peer:step"), set against those reports' send times. */
  List<Double> sseLagMillis(Map<String, Long> sentAtMillis) {
    return arrivedAt.entrySet().stream()
        .filter(e -> sentAtMillis.containsKey(e.getKey()))
        .map(e -> (double) (e.getValue() - sentAtMillis.get(e.getKey())))
        .toList();
  }

  int sseUpdates() {
    return arrivedAt.size();
  }

  private String url(Path run) throws InterruptedException {
    Path address = run.resolve("dashboard.json");
    while (!closed) {
      try {
        if (Files.exists(address)) {
          String url = JSON.readTree(address.toFile()).path("url").asText();
          return url.endsWith("/") ? url : url + "/";
        }
      } catch (IOException e) {
        // written atomically, so only a file not there yet; look again
      }
      Thread.sleep(200);
    }
    return null;
  }

  private void poll(Path run, Duration every) {
    try {
      String url = url(run);
      while (!closed && url != null) {
        long askedAt = System.currentTimeMillis();
        long started = System.nanoTime();
        try {
          HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url + "api/peers"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
          if (answer.statusCode() == 200) {
            answers.add(new Answer(askedAt, (System.nanoTime() - started) / 1e6));
          } else {
            apiFailures.incrementAndGet();
          }
        } catch (IOException e) {
          if (!closed) {
            apiFailures.incrementAndGet(); // also the dashboard going away at the run's end
          }
        }
        Thread.sleep(every.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void listen(Path run) {
    try {
      String url = url(run);
      if (url == null) {
        return;
      }
      http.send(HttpRequest.newBuilder(URI.create(url + "api/events")).build(), HttpResponse.BodyHandlers.ofLines())
          .body()
          .forEach(line -> {
            if (closed || !line.startsWith("data:") || line.length() == 5) {
              return;
            }
            long now = System.currentTimeMillis();
            try {
              JsonNode update = JSON.readTree(line.substring(5));
              if (update.path("kind").asText().equals("peer")) {
                JsonNode row = update.path("row");
                arrivedAt.putIfAbsent(row.path("peer").asText() + ":" + row.path("step").asLong(), now);
              }
            } catch (IOException e) {
              // not an update this probe reads
            }
          });
    } catch (IOException | java.io.UncheckedIOException e) {
      // the dashboard went away with the run (reading the stream's lines, a reset is unchecked)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    poller.interrupt();
    listener.interrupt();
    poller.join(5_000);
  }
}
