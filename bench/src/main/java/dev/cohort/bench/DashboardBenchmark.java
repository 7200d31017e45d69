package dev.cohort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.actors.coordinator.Coordinator;
import dev.cohort.actors.launch.NodeConfig;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.PeerReport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort bench dashboard}: can the dashboard keep up? N simulated peers send R reports a
 * second each to a real coordinator (which writes metrics.jsonl and feeds its dashboard, exactly
 * as in a run); C clients read {@code /api/events} over HTTP. Measured: reports sent and applied,
 * the backlog (sent minus applied: an upper bound on the coordinator's and the dashboard's
 * mailboxes together), updates each client received, gaps in their ids (updates a slow client
 * lost), and the latency from a report's send to its arrival at a client.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
    description = "N simulated peers reporting R times a second through a real coordinator to C SSE clients:"
        + " delivery, latency, drops, backlog; written to docs/DASHBOARD.md.")
public final class DashboardBenchmark implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--peers", paramLabel = "N", defaultValue = "100", description = "simulated peers (default: ${DEFAULT-VALUE})")
  private int peers;

  @Option(names = "--rate", paramLabel = "R", defaultValue = "10", description = "reports per second of each peer (default: ${DEFAULT-VALUE})")
  private int rate;

  @Option(names = "--clients", paramLabel = "C", defaultValue = "20", description = "SSE clients (default: ${DEFAULT-VALUE})")
  private int clients;

  @Option(names = "--seconds", paramLabel = "S", defaultValue = "30", description = "how long (default: ${DEFAULT-VALUE})")
  private int seconds;

  @Option(names = "--out", paramLabel = "FILE", description = "where the figures are appended (default: docs/DASHBOARD.md)")
  private Path out;

  @Override
  public Integer call() throws Exception {
    Path runs = Files.createTempDirectory("cohort-dashboard-bench");
    StringBuilder peerList = new StringBuilder();
    for (int i = 0; i < peers; i++) {
      peerList.append(String.format(Locale.ROOT, "{ name = p%03d, hidden = [8] }%n", i));
    }
    CohortSettings settings = SettingsParser.parse(ConfigFactory.parseString("cohort {\n"
        + " run { id = bench, directory = \"" + runs + "\" }\n"
        + " data { format = synthetic }\n training { epochs = 1000 }\n"
        + " cluster { startup-timeout = 1h }\n dashboard { port = 0 }\n"
        + " peers = [\n" + peerList + "]\n}\n"));
    Files.createDirectories(settings.runPath());
    ActorSystem<Coordinator.Command> system = ActorSystem.create(
        Behaviors.setup(context -> Coordinator.create(settings, line -> { }, finished -> { })), "cohort",
        NodeConfig.create(null, 0, List.of(), List.of("coordinator"), 1, List.of(), ConfigFactory.empty()));
    try {
      Cluster.get(system).manager().tell(Join.create(Cluster.get(system).selfMember().address()));
      return measure(system, settings, peers, rate, clients, seconds, out);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try (Stream<Path> files = Files.walk(runs)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static int measure(ActorSystem<?> system, CohortSettings settings, int peers, int rate, int clientCount,
      int seconds, Path out) throws Exception {
    ActorRef<CoordinatorInbox> found = null;
    for (int attempt = 0; found == null; attempt++) {
      if (attempt == 300) {
        throw new IllegalStateException("the coordinator did not register within 30 s");
      }
      Thread.sleep(100);
      found = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
              system.receptionist(), r -> Receptionist.find(ServiceKeys.coordinator(settings.runId()), r),
              Duration.ofSeconds(10), system.scheduler())
          .toCompletableFuture().get().getServiceInstances(ServiceKeys.coordinator(settings.runId())).stream()
          .findFirst().orElse(null);
    }
    ActorRef<CoordinatorInbox> coordinator = found;
    Path address = settings.runPath().resolve("dashboard.json");
    while (!Files.exists(address)) {
      Thread.sleep(50);
    }
    String url = JSON.readTree(address.toFile()).path("url").asText();
    HttpClient http = HttpClient.newHttpClient();
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < clientCount; i++) {
      clients.add(new Client(http, url, sentAt));
    }
    long[] steps = new long[peers];
    AtomicLong sent = new AtomicLong();
    ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
    long periodMicros = 1_000_000L / ((long) peers * rate);
    int[] next = new int[1];
    sender.scheduleAtFixedRate(() -> {
      int peer = next[0]++ % peers;
      long step = ++steps[peer] * 5;
      sentAt.put(String.format(Locale.ROOT, "p%03d:%d", peer, step), System.nanoTime());
      sent.incrementAndGet();
      coordinator.tell(CoordinatorInbox.newBuilder().setReport(PeerReport.newBuilder().setRunId(settings.runId())
          .setPeer(String.format(Locale.ROOT, "p%03d", peer)).setNode("simulated").setEpoch((int) (steps[peer] / 50) + 1)
          .setStep(step)
          .setCeLoss(1.0 / step).setKdLoss(0.1 / step).setTrainAccuracy(0.9).setStepsPerSecond(rate * 5)
          .setStepsPerEpoch(5_000).setArchitecture("MLP 784-8-10").setParameterCount(6_370)
          .setEpochEnd(false)).build());
    }, 0, periodMicros, TimeUnit.MICROSECONDS);
    List<Long> backlog = new ArrayList<>();
    for (int s = 0; s < seconds; s++) {
      Thread.sleep(1000);
      long applied = applied(http, url); // first: reports sent meanwhile only make the backlog look larger
      backlog.add(sent.get() - applied);
    }
    sender.shutdownNow();
    long totalSent = sent.get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (applied(http, url) < totalSent && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    long applied = applied(http, url);
    Thread.sleep(2000);
    clients.forEach(Client::close);
    String report = report(peers, rate, clientCount, seconds, totalSent, applied, backlog, clients);
    System.out.print(report);
    if (out != null) {
      Files.writeString(out, report, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      System.out.println("appended to " + out.toAbsolutePath());
    }
    return 0;
  }

  /** Reports the dashboard has applied: the sum of {@code cohort_peer_reports_total}. */
  private static long applied(HttpClient http, String url) throws IOException, InterruptedException {
    String text = http.send(HttpRequest.newBuilder(URI.create(url + "metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    return (long) text.lines().filter(l -> l.startsWith("cohort_peer_reports_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static String report(int peers, int rate, int clientCount, int seconds, long sent, long applied,
      List<Long> backlog, List<Client> clients) {
    long[] received = clients.stream().mapToLong(c -> c.updates.get()).sorted().toArray();
    long[] gaps = clients.stream().mapToLong(c -> c.gaps.get()).sorted().toArray();
    long[] latencies = clients.stream().flatMap(c -> c.latencies.stream()).mapToLong(Long::longValue).sorted().toArray();
    StringBuilder r = new StringBuilder();
    r.append(String.format(Locale.ROOT, "%n## %s: %d peers x %d reports/s, %d SSE clients, %d s%n%n", LocalDate.now(),
        peers, rate, clientCount, seconds));
    r.append(String.format(Locale.ROOT, "- reports sent: %,d (%,.0f/s); applied by the dashboard: %,d%n", sent,
        (double) sent / seconds, applied));
    r.append(String.format(Locale.ROOT, "- backlog (sent - applied) sampled each second: max %,d, median %,d, last %,d%n",
        backlog.stream().mapToLong(Long::longValue).max().orElse(0), median(backlog.stream().mapToLong(Long::longValue).sorted().toArray()),
        backlog.isEmpty() ? 0 : backlog.get(backlog.size() - 1)));
    r.append("- backlog second by second: ").append(backlog).append('\n');
    r.append(String.format(Locale.ROOT, "- updates received per client: min %,d, median %,d, max %,d%n", received[0],
        median(received), received[received.length - 1]));
    r.append(String.format(Locale.ROOT, "- updates lost per client (gaps in ids): min %,d, median %,d, max %,d%n", gaps[0],
        median(gaps), gaps[gaps.length - 1]));
    if (latencies.length > 0) {
      r.append(String.format(Locale.ROOT, "- latency report sent -> client received: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              + " (%,d samples)%n", latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6,
          latencies[latencies.length - 1] / 1e6, latencies.length));
    }
    r.append(String.format(Locale.ROOT, "- heap used at the end: %,d MiB%n",
        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20));
    return r.toString();
  }

  private static long median(long[] sorted) {
    return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
  }

  /** One SSE client on its own thread: counts updates and id gaps, and times the peers' updates. */
  private static final class Client {
    final AtomicLong updates = new AtomicLong();
    final AtomicLong gaps = new AtomicLong();
    final List<Long> latencies = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile Stream<String> lines;

    Client(HttpClient http, String url, Map<String, Long> sentAt) {
      thread = new Thread(() -> {
        try {
          lines = http.send(HttpRequest.newBuilder(URI.create(url + "api/events")).build(),
              HttpResponse.BodyHandlers.ofLines()).body();
          long[] lastId = {-1};
          lines.forEach(line -> {
            if (!line.startsWith("data:") || line.length() == 5) { // an empty data line is a keep-alive
              return;
            }
            // Jackson's tree of a small update costs microseconds: the clients, on the same cores as
            // the dashboard, stay far from being the bottleneck (measured: see docs/DASHBOARD.md).
            JsonNode update = readUpdate(line.substring(5));
            long id = update.path("id").asLong();
            if (lastId[0] >= 0 && id > lastId[0] + 1) {
              gaps.addAndGet(id - lastId[0] - 1);
            }
            lastId[0] = id;
            updates.incrementAndGet();
            if (update.path("kind").asText().equals("peer")) {
              JsonNode row = update.path("row"); // {"kind": "peer", "row": {"peer": ..., "step": ...}, ...}
              Long at = sentAt.get(row.path("peer").asText() + ":" + row.path("step").asLong());
              if (at != null) {
                latencies.add(System.nanoTime() - at);
              }
            }
          });
        } catch (IOException | InterruptedException | RuntimeException e) {
          // closed at the end of the benchmark
        }
      }, "sse-client");
      thread.setDaemon(true);
      thread.start();
    }

    private static JsonNode readUpdate(String json) {
      try {
        return JSON.readTree(json);
      } catch (IOException e) {
        throw new IllegalStateException("the dashboard sent an update that is no JSON: " + json, e);
      }
    }

    void close() {
      Stream<String> open = lines;
      if (open != null) {
        open.close();
      }
      thread.interrupt();
    }
  }
}
