package dev.cohort.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image, built by deploy/image/build-image.sh from this build's jars, run the way
 * deploy/kubernetes/ runs it: three trainer containers ({@code node --exit-when-finished}, the
 * StatefulSet's environment) and a launcher container ({@code run /etc/cohort/cohort.conf --spawn 0
 * --roles launcher}, the Job's), each in its own network namespace of deploy/netns (its own
 * address, port 25520 and 7626 like a pod), sharing one run volume mounted at /runs. The one
 * difference from Kubernetes: no API server to discover pods, so the nodes find each other by
 * seeds (the multi-host overlay, COHORT_SEEDS, --join) instead of the kubernetes overlay's
 * bootstrap. Needs root, podman, debootstrap and network namespaces; skipped, saying why, where
 * one is missing.
 */
class ContainerImageTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path NETNS = ROOT.resolve("deploy/netns/cohort-netns");
  private static final String IMAGE = "localhost/cohort-image-test:latest";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RUN_LIMIT = Duration.ofMinutes(10);

  private static String prefix;
  private static String subnet;

  @TempDir Path dir;
  private final List<String> containers = new ArrayList<>();

  private record Result(int code, String output) {}

  private static Result run(Duration limit, List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile("cohort-image-test", ".log");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        return new Result(-1, "timed out after " + limit + ": " + command + "\n" + Files.readString(log));
      }
      return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static Result run(String... command) throws IOException, InterruptedException {
    return run(Duration.ofMinutes(2), List.of(command));
  }

  private static boolean onPath(String tool) throws IOException, InterruptedException {
    return run("sh", "-c", "command -v " + tool).code() == 0;
  }

  @BeforeAll
  static void imageAndMachines() throws Exception {
    assumeTrue(run("id", "-u").output().trim().equals("0"), "not root: the image test needs root, skipped");
    assumeTrue(onPath("podman") && onPath("runc") && onPath("debootstrap"),
        "podman, runc or debootstrap is missing (apt-get install podman runc debootstrap), skipped");
    Result namespaces = run(NETNS.toString(), "check");
    assumeTrue(namespaces.code() == 0, "network namespaces are not available here, skipped: " + namespaces.output());
    Result built = run(Duration.ofMinutes(20),
        List.of(ROOT.resolve("deploy/image/build-image.sh").toString(), "--packaged", "--tag", IMAGE));
    assertEquals(0, built.code(), built.output());
    prefix = "ci" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
    subnet = "10.79." + ThreadLocalRandom.current().nextInt(1, 250);
    Result up = run(NETNS.toString(), "up", prefix, "4", subnet);
    assertEquals(0, up.code(), up.output());
    // The host on the machines' own subnet (the bridge), to ask the trainers' probes as a kubelet does.
    Result address = run("ip", "addr", "add", subnet + ".254/24", "dev", prefix + "-br");
    assertEquals(0, address.code(), address.output());
  }

  @AfterAll
  static void removeMachines() throws Exception {
    if (prefix != null) {
      run(NETNS.toString(), "down", prefix, "4");
    }
  }

  @AfterEach
  void removeContainers() throws Exception {
    for (String name : containers) {
      run("podman", "rm", "--force", "--time", "0", name);
    }
  }

  private String address(int machine) {
    return subnet + "." + machine;
  }

  /** podman run's options for a container on machine {@code machine} with the shared volumes. */
  private List<String> container(String name, int machine, Path runs, Path data, String... env) {
    containers.add(name);
    List<String> command = new ArrayList<>(List.of("podman", "run", "--name", name, "--runtime", "runc",
        "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
        "--network", "ns:/run/netns/" + prefix + "-" + machine,
        "-v", runs + ":/runs", "-v", data + ":/data:ro"));
    for (String variable : env) {
      command.addAll(List.of("-e", variable));
    }
    return command;
  }

  /** Trainer {@code i} as the StatefulSet runs it (seeds instead of Kubernetes discovery); returns once it is ready. */
  private void startTrainer(int i, Path runs, Path data) throws Exception {
    List<String> command = container(prefix + "-trainer-" + i, i, runs, data,
        "COHORT_OVERLAYS=multi-host", "COHORT_HOST=" + address(i), "COHORT_SEEDS=" + address(1) + ":25520",
        "COHORT_SLOTS=2", "COHORT_RUNS=/runs", "COHORT_DATA=/data", "OMP_NUM_THREADS=1", "COHORT_MANAGEMENT=on");
    command.add(2, "--detach"); // podman run --detach ...
    command.addAll(List.of(IMAGE, "node", "--exit-when-finished"));
    Result started = run(Duration.ofMinutes(2), command);
    assertEquals(0, started.code(), started.output());
  }

  private static int status(HttpClient http, String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void await(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit + ": " + what);
      }
      Thread.sleep(500);
    }
  }

  /** The three trainers, up and answering the Kubernetes probes (/ready, /alive on 7626) with 200. */
  private void startTrainers(Path runs, Path data) throws Exception {
    for (int i = 1; i <= 3; i++) {
      startTrainer(i, runs, data);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int i = 1; i <= 3; i++) {
      String management = "http://" + address(i) + ":7626";
      int trainer = i;
      await(Duration.ofMinutes(4), "trainer " + i + " ready (" + logs(prefix + "-trainer-" + i) + ")",
          () -> status(http, management + "/ready") == 200);
      assertEquals(200, status(http, management + "/alive"), "trainer " + trainer + " alive");
    }
  }

  private static String logs(String container) {
    try {
      String out = run("podman", "logs", "--tail", "30", container).output();
      return out.length() > 3000 ? out.substring(out.length() - 3000) : out;
    } catch (Exception e) {
      return "(no logs: " + e + ")";
    }
  }

  /** The cohort file the Job mounts at /etc/cohort/cohort.conf: three small MLP peers on synthetic data. */
  private Path cohortFile(String runId, int epochs) throws IOException {
    Path file = dir.resolve(runId + ".conf");
    Files.writeString(file, "cohort {\n"
        + "  run.id = \"" + runId + "\"\n"
        + "  data { format = synthetic, validation-size = 200,\n"
        + "         synthetic { train-examples = 3000, test-examples = 300, features = 32, classes = 6, noise = 1.0 } }\n"
        + "  training { epochs = " + epochs + ", batch-size = 50, report-every = 5, checkpoint-every = 10 }\n"
        + "  distillation.topology = dml\n"
        + "  peers = [ { name = a, hidden = [32] }, { name = b, hidden = [32] }, { name = c, hidden = [32] } ]\n"
        + "  cluster { nodes = 3, startup-timeout = 4m }\n"
        + "}\n");
    return file;
  }

  /** The launcher as the Job runs it, on machine 4, handing the run to trainer 1. */
  private List<String> launcher(Path runs, Path data, Path cohortFile, boolean detach) {
    List<String> command = container(prefix + "-launcher", 4, runs, data,
        "COHORT_OVERLAYS=multi-host", "COHORT_HOST=" + address(4), "COHORT_RUNS=/runs", "COHORT_DATA=/data");
    if (detach) {
      command.add(2, "--detach"); // podman run --detach ...
    }
    command.addAll(List.of("-v", cohortFile + ":/etc/cohort/cohort.conf:ro", IMAGE,
        "run", "/etc/cohort/cohort.conf", "--spawn", "0", "--roles", "launcher", "--join", address(1) + ":25520"));
    return command;
  }

  private static List<JsonNode> lines(Path file) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank()) {
          lines.add(JSON.readTree(line));
        }
      }
    }
    return lines;
  }

  private static List<JsonNode> events(Path run, String name) throws IOException {
    return lines(run.resolve("events.jsonl")).stream().filter(e -> e.path("event").asText().equals(name)).toList();
  }

  private static void assertFinishedAndExported(Path run, String output) throws IOException {
    List<JsonNode> finished = events(run, "run-finished");
    assertEquals(1, finished.size(), output);
    assertTrue(finished.get(0).path("success").asBoolean(), finished.get(0) + "\n" + output);
    assertTrue(Files.size(run.resolve("best/model.zip")) > 0, "the best peer exported to the shared volume");
    assertTrue(Files.exists(run.resolve("best/model-card.json")));
    assertTrue(Files.exists(run.resolve("report.html")), "the report, plots included, written in the image");
  }

  @Test
  void theImageIsSmallAndDeclaresThePortsVolumesAndEntryPointTheManifestsUse() throws Exception {
    Result inspect = run("podman", "image", "inspect", IMAGE);
    assertEquals(0, inspect.code(), inspect.output());
    JsonNode image = JSON.readTree(inspect.output()).get(0);
    long size = image.path("Size").asLong();
    assertTrue(size <= 500_000_000L, "at most 500 MB with ND4J's native libraries: " + size);
    JsonNode config = image.path("Config");
    assertTrue(config.path("ExposedPorts").has("25520/tcp") && config.path("ExposedPorts").has("7626/tcp"),
        config.toString());
    assertTrue(config.path("Volumes").has("/runs") && config.path("Volumes").has("/data"), config.toString());
    String entrypoint = config.path("Entrypoint").toString();
    assertTrue(entrypoint.contains("dev.cohort.actors.cli.Main"), entrypoint);
    Result help = run("podman", "run", "--rm", "--runtime", "runc", "--ulimit", "nofile=4096:4096",
        "--ulimit", "nproc=4096:4096", "--network", "none", IMAGE, "--help");
    assertEquals(0, help.code(), help.output());
    assertTrue(help.output().contains("cohort node --seed"), "the image's command line is cohort's: " + help.output());
  }

  @Test
  void threeTrainersAndALauncherRunACohortAndExportTheBestPeer() throws Exception {
    Path runs = Files.createDirectories(dir.resolve("runs"));
    Path data = Files.createDirectories(dir.resolve("data"));
    startTrainers(runs, data);
    Result launched = run(RUN_LIMIT, launcher(runs, data, cohortFile("image-run", 2), false));
    assertEquals(0, launched.code(), launched.output() + "\ntrainer 1: " + logs(prefix + "-trainer-1"));
    Path run = runs.resolve("image-run");
    assertFinishedAndExported(run, launched.output());
    List<String> nodes = events(run, "peer-placed").stream().map(e -> e.path("node").asText()).distinct().toList();
    assertTrue(nodes.stream().allMatch(n -> n.contains("@" + subnet + ".")), "the peers on the machines' own addresses: " + nodes);
    // --exit-when-finished: the trainers end with the run, as the StatefulSet's pods are meant to.
    for (int i = 1; i <= 3; i++) {
      Result waited = run(Duration.ofMinutes(2), List.of("podman", "wait", prefix + "-trainer-" + i));
      assertEquals("0", waited.output().trim(), "trainer " + i + " exits 0 once the run has finished");
    }
  }

  @Test
  void aTrainerContainerKilledMidRunDoesNotStopTheRun() throws Exception {
    Path runs = Files.createDirectories(dir.resolve("runs"));
    Path data = Files.createDirectories(dir.resolve("data"));
    startTrainers(runs, data);
    Result launched = run(Duration.ofMinutes(2), launcher(runs, data, cohortFile("image-kill", 12), true));
    assertEquals(0, launched.code(), launched.output());
    Path run = runs.resolve("image-kill");
    // Once every peer has checkpointed past its first epoch, kill a trainer that hosts a peer (not trainer 1,
    // the oldest node, where the coordinator runs).
    await(RUN_LIMIT, "every peer past epoch 1 (" + logs(prefix + "-launcher") + ")", () -> {
      try {
        return lines(run.resolve("metrics.jsonl")).stream().filter(m -> m.path("epoch").asInt() >= 2)
            .map(m -> m.path("peer").asText()).distinct().count() == 3;
      } catch (IOException e) {
        return false;
      }
    });
    int victim = 0;
    String victimPeer = null;
    for (JsonNode placed : events(run, "peer-placed")) {
      for (int i = 2; i <= 3; i++) {
        if (placed.path("node").asText().contains("@" + address(i) + ":") && i > victim) {
          victim = i;
          victimPeer = placed.path("peer").asText();
        }
      }
    }
    assertTrue(victim > 0, "a peer placed on trainer 2 or 3: " + events(run, "peer-placed"));
    Result killed = run("podman", "kill", prefix + "-trainer-" + victim);
    assertEquals(0, killed.code(), killed.output());

    Result waited = run(RUN_LIMIT, List.of("podman", "wait", prefix + "-launcher"));
    String launcherLog = logs(prefix + "-launcher");
    assertEquals("0", waited.output().trim(), "the launcher finishes the run: " + launcherLog);
    assertFinishedAndExported(run, launcherLog);
    String lost = victimPeer;
    assertTrue(events(run, "peer-lost").stream().anyMatch(e -> e.path("peer").asText().equals(lost)),
        "peer " + lost + " on the killed trainer was lost: " + lines(run.resolve("events.jsonl")));
    assertTrue(events(run, "peer-restarted").stream().anyMatch(e -> e.path("peer").asText().equals(lost)),
        "and restarted on a survivor from its checkpoint: " + lines(run.resolve("events.jsonl")));
    List<JsonNode> last = lines(run.resolve("metrics.jsonl")).stream().filter(m -> m.path("finished").asBoolean()).toList();
    assertEquals(3, last.stream().map(m -> m.path("peer").asText()).distinct().count(), "every peer finished: " + last);
  }
}
