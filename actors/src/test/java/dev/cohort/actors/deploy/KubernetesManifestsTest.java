package dev.cohort.actors.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes, checked offline (no cluster here): every manifest kustomize applies parses
 * and is well-formed, and the pieces agree with each other and with the kubernetes overlay —
 * labels and selectors, the service name bootstrap looks up, ports and probe paths, RBAC for the
 * service account, volumes, GPU requests, and the cohort file the Job runs.
 */
class KubernetesManifestsTest {

  private static final Path DIR = Path.of("..", "deploy", "kubernetes");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final List<JsonNode> RESOURCES = new ArrayList<>();
  private static JsonNode kustomization;
  private static Config overlay;

  @BeforeAll
  static void load() throws IOException {
    kustomization = YAML.readTree(DIR.resolve("kustomization.yaml").toFile());
    for (JsonNode file : kustomization.path("resources")) {
      Path path = DIR.resolve(file.asText());
      assertTrue(Files.isRegularFile(path), "kustomization lists " + path + ", which exists");
      try (YAMLParser parser = new YAMLFactory().createParser(path.toFile())) {
        JsonMapper mapper = new JsonMapper();
        mapper.readValues(parser, JsonNode.class).forEachRemaining(doc -> {
          if (doc != null && !doc.isNull() && !doc.isEmpty()) {
            RESOURCES.add(doc);
          }
        });
      }
    }
    overlay = ConfigFactory.parseResources("kubernetes.conf")
        .withFallback(ConfigFactory.parseResources("cohort-node.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  private static List<JsonNode> ofKind(String kind) {
    return RESOURCES.stream().filter(r -> r.path("kind").asText().equals(kind)).toList();
  }

  private static JsonNode named(String kind, String name) {
    return ofKind(kind).stream().filter(r -> r.path("metadata").path("name").asText().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
  }

  private static List<JsonNode> podSpecs() {
    List<JsonNode> specs = new ArrayList<>();
    ofKind("StatefulSet").forEach(s -> specs.add(s.path("spec").path("template").path("spec")));
    ofKind("Job").forEach(j -> specs.add(j.path("spec").path("template").path("spec")));
    return specs;
  }

  private static Map<String, String> env(JsonNode container) {
    Map<String, String> env = new HashMap<>();
    for (JsonNode e : container.path("env")) {
      env.put(e.path("name").asText(), e.has("value") ? e.path("value").asText() : "<from " + e.path("valueFrom") + ">");
    }
    return env;
  }

  @Test
  void everyResourceIsWellFormedAndTheExpectedKindsAreThere() {
    for (JsonNode r : RESOURCES) {
      assertFalse(r.path("apiVersion").asText().isEmpty(), r.toString());
      assertFalse(r.path("metadata").path("name").asText().isEmpty(), r.toString());
    }
    Set<String> kinds = new TreeSet<>(RESOURCES.stream().map(r -> r.path("kind").asText()).toList());
    assertEquals(new TreeSet<>(List.of("Job", "PersistentVolumeClaim", "Role", "RoleBinding", "Service",
        "ServiceAccount", "StatefulSet")), kinds);
  }

  @Test
  void bootstrapFindsTheTrainerPodsThroughTheHeadlessServiceLabels() {
    String service = overlay.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name");
    String selector = String.format(overlay.getString("pekko.discovery.kubernetes-api.pod-label-selector"), service);
    assertEquals("kubernetes-api", overlay.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    String[] label = selector.split("=");

    JsonNode svc = named("Service", service);
    assertEquals("None", svc.path("spec").path("clusterIP").asText(), "headless");
    assertEquals(label[1], svc.path("spec").path("selector").path(label[0]).asText());
    for (JsonNode set : ofKind("StatefulSet")) {
      JsonNode labels = set.path("spec").path("template").path("metadata").path("labels");
      assertEquals(label[1], labels.path(label[0]).asText(), set.path("metadata").path("name") + " is discoverable");
      set.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(e ->
          assertEquals(e.getValue().asText(), labels.path(e.getKey()).asText(), "selector matches the pod labels"));
      assertEquals(service, set.path("spec").path("serviceName").asText());
    }
  }

  @Test
  void theServiceAccountMayListPods() {
    JsonNode binding = ofKind("RoleBinding").get(0);
    JsonNode role = named("Role", binding.path("roleRef").path("name").asText());
    String account = binding.path("subjects").get(0).path("name").asText();
    named("ServiceAccount", account);
    JsonNode rule = role.path("rules").get(0);
    assertTrue(rule.path("resources").toString().contains("pods"));
    assertTrue(rule.path("verbs").toString().contains("list") && rule.path("verbs").toString().contains("watch"));
    podSpecs().forEach(spec -> assertEquals(account, spec.path("serviceAccountName").asText()));
  }

  @Test
  void portsAndProbesMatchTheNodeConfiguration() {
    int management = overlay.getInt("pekko.management.http.port");
    int remoting = overlay.getInt("pekko.remote.artery.canonical.port");
    String ready = "/" + overlay.getString("pekko.management.health-checks.readiness-path");
    String alive = "/" + overlay.getString("pekko.management.health-checks.liveness-path");
    for (JsonNode spec : podSpecs()) {
      JsonNode container = spec.path("containers").get(0);
      Map<String, Integer> ports = new HashMap<>();
      container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
      assertEquals(Map.of("management", management, "remoting", remoting), ports, container.path("name").asText());
      assertEquals("kubernetes", env(container).get("COHORT_OVERLAYS"));
      assertTrue(Files.exists(Path.of("..", "cluster-config", "src", "main", "resources", "kubernetes.conf")));
      assertTrue(env(container).get("COHORT_HOST").contains("status.podIP"), "Artery binds on the pod IP");
    }
    for (JsonNode set : ofKind("StatefulSet")) {
      JsonNode container = set.path("spec").path("template").path("spec").path("containers").get(0);
      assertEquals(ready, container.path("readinessProbe").path("httpGet").path("path").asText());
      assertEquals(alive, container.path("livenessProbe").path("httpGet").path("path").asText());
      assertEquals("management", container.path("readinessProbe").path("httpGet").path("port").asText());
      assertEquals("node", container.path("args").get(0).asText());
    }
  }

  @Test
  void gpuTrainersRequestGpusAndSayHowMany() {
    JsonNode gpu = named("StatefulSet", "cohort-gpu-trainer");
    JsonNode container = gpu.path("spec").path("template").path("spec").path("containers").get(0);
    int gpus = container.path("resources").path("limits").path("nvidia.com/gpu").asInt();
    assertTrue(gpus >= 1, container.path("resources").toString());
    assertEquals(String.valueOf(gpus), env(container).get("COHORT_GPUS"));
    assertTrue(container.path("image").asText().endsWith("-cuda"), "the CUDA build");
    JsonNode cpu = named("StatefulSet", "cohort-trainer").path("spec").path("template").path("spec").path("containers").get(0);
    assertTrue(cpu.path("resources").path("limits").path("nvidia.com/gpu").isMissingNode());
  }

  @Test
  void everyPodSharesTheRunVolumeWhereItsRunsGo() {
    JsonNode runs = named("PersistentVolumeClaim", "cohort-runs");
    assertTrue(runs.path("spec").path("accessModes").toString().contains("ReadWriteMany"));
    for (JsonNode spec : podSpecs()) {
      Map<String, String> claims = new HashMap<>();
      spec.path("volumes").forEach(v -> claims.put(v.path("name").asText(),
          v.path("persistentVolumeClaim").path("claimName").asText(v.path("configMap").path("name").asText())));
      JsonNode container = spec.path("containers").get(0);
      String runDirectory = env(container).get("COHORT_RUNS");
      boolean mounted = StreamSupport.stream(container.path("volumeMounts").spliterator(), false)
          .anyMatch(m -> m.path("mountPath").asText().equals(runDirectory)
              && claims.get(m.path("name").asText()).equals("cohort-runs"));
      assertTrue(mounted, "COHORT_RUNS " + runDirectory + " is the shared volume in " + container.path("name"));
      for (JsonNode mount : container.path("volumeMounts")) {
        String claim = claims.get(mount.path("name").asText());
        assertTrue(claim != null && !claim.isEmpty(), "volume " + mount.path("name") + " is defined");
        if (!mount.path("name").asText().equals("cohort")) {
          named("PersistentVolumeClaim", claim);
        }
      }
    }
  }

  @Test
  void theJobRunsAValidCohortFileFromTheGeneratedConfigMap() throws IOException {
    JsonNode job = ofKind("Job").get(0);
    JsonNode spec = job.path("spec").path("template").path("spec");
    JsonNode container = spec.path("containers").get(0);
    assertEquals("run", container.path("args").get(0).asText());
    String file = container.path("args").get(1).asText();
    JsonNode generator = kustomization.path("configMapGenerator").get(0);
    String mountPath = StreamSupport.stream(container.path("volumeMounts").spliterator(), false)
        .filter(m -> m.path("name").asText().equals("cohort")).findFirst().orElseThrow().path("mountPath").asText();
    String configMap = StreamSupport.stream(spec.path("volumes").spliterator(), false)
        .filter(v -> v.path("name").asText().equals("cohort")).findFirst().orElseThrow()
        .path("configMap").path("name").asText();
    assertEquals(generator.path("name").asText(), configMap);
    String fileName = generator.path("files").get(0).asText();
    assertEquals(mountPath + "/" + fileName, file);
    CohortSettings settings = SettingsParser.parse(ConfigFactory.parseFile(DIR.resolve(fileName).toFile()));
    assertEquals(settings.cluster().nodes(), named("StatefulSet", "cohort-trainer").path("spec").path("replicas").asInt(),
        "the run waits for as many nodes as the CPU StatefulSet runs");
    assertTrue(container.path("args").toString().contains("launcher"), "the launcher hosts no peers");
  }

  /** deploy/image/Containerfile's instructions by keyword (continuation lines joined). */
  private static Map<String, String> containerfile() throws IOException {
    Map<String, String> instructions = new HashMap<>();
    String joined = Files.readString(Path.of("..", "deploy", "image", "Containerfile")).replaceAll("\\\\\n\\s*", " ");
    for (String line : joined.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        String[] parts = line.strip().split("\\s+", 2);
        instructions.merge(parts[0], parts.length > 1 ? parts[1] : "", (a, b) -> a + " " + b);
      }
    }
    return instructions;
  }

  @Test
  void theManifestsRunWhatTheImageDeclares() throws Exception {
    Map<String, String> image = containerfile();
    // The entry point is cohort's command line, and every container runs one of its commands.
    JsonNode entrypoint = new ObjectMapper().readTree(image.get("ENTRYPOINT"));
    String main = entrypoint.get(entrypoint.size() - 1).asText();
    assertEquals(dev.cohort.actors.cli.Main.class.getName(), main);
    Set<String> exposed = Set.of(image.get("EXPOSE").split("\\s+"));
    Set<String> volumes = new TreeSet<>();
    new ObjectMapper().readTree(image.get("VOLUME")).forEach(v -> volumes.add(v.asText()));
    Map<String, String> imageEnv = new HashMap<>();
    for (String assignment : image.get("ENV").split("\\s+")) {
      String[] kv = assignment.split("=", 2);
      imageEnv.put(kv[0], kv[1]);
    }
    String pomVersion = Files.readString(Path.of("..", "pom.xml")).replaceAll("(?s).*?<artifactId>cohort-parent</artifactId>\\s*<version>([^<]+)</version>.*", "$1");
    for (JsonNode spec : podSpecs()) {
      JsonNode container = spec.path("containers").get(0);
      String name = container.path("name").asText();
      assertTrue(List.of("node", "run").contains(container.path("args").get(0).asText()), name + ": " + container.path("args"));
      String imageName = container.path("image").asText();
      assertTrue(imageName.equals("cohort:" + pomVersion) || imageName.equals("cohort:" + pomVersion + "-cuda"),
          name + " runs the image deploy/image/build-image.sh tags by default: " + imageName);
      container.path("ports").forEach(port -> assertTrue(exposed.contains(port.path("containerPort").asText()),
          name + ": port " + port.path("containerPort") + " is one the image exposes " + exposed));
      for (JsonNode mount : container.path("volumeMounts")) {
        String path = mount.path("mountPath").asText();
        assertTrue(volumes.contains(path) || path.equals("/etc/cohort"),
            name + ": " + path + " is a volume of the image " + volumes + " (or the cohort file's ConfigMap)");
      }
      Map<String, String> env = env(container);
      for (String variable : List.of("COHORT_RUNS", "COHORT_DATA")) {
        assertEquals(imageEnv.get(variable), env.get(variable), name + ": " + variable + " as the image sets it");
      }
      for (String variable : env.keySet()) {
        if (variable.startsWith("COHORT_")) {
          assertTrue(readByTheRuntime(variable), name + ": " + variable + " is read by the runtime or its configuration");
        }
      }
    }
  }

  /** Whether a cluster-config file reads the variable (${?NAME}) or the runtime's code does (getenv). */
  private static boolean readByTheRuntime(String variable) throws IOException {
    List<Path> sources = new ArrayList<>();
    for (Path root : List.of(Path.of("..", "cluster-config", "src", "main", "resources"), Path.of("src", "main", "java"))) {
      try (var files = Files.walk(root)) {
        files.filter(Files::isRegularFile).forEach(sources::add);
      }
    }
    for (Path source : sources) {
      String text = Files.readString(source);
      if (text.contains("${?" + variable + "}") || text.contains("getenv(\"" + variable + "\")")) {
        return true;
      }
    }
    return false;
  }
}
