package dev.cohort.actors.launch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Pekko configuration of one Cohort node: cohort-node.conf, the overlays asked for
 * ({@code multi-host}, {@code tls}, {@code kubernetes} from cluster-config, or a .conf file), and
 * this node's address, seeds, roles and slots.
 */
public final class NodeConfig {

  static final String SYSTEM_NAME = "cohort";

  private NodeConfig() {}

  /**
   * @param host canonical host, or null for the default (127.0.0.1 or $COHORT_HOST)
   * @param port canonical port, or null for the default (0 = any free port, or $COHORT_PORT)
   * @param seeds seed nodes as host:port
   * @param slots CPU threads this node gives to training, or null for {@code cohort.node.slots}
   *     ($COHORT_SLOTS; 0: every core). Advertised with the GPUs as the roles {@code slots-N} and
   *     {@code gpus-N}, which the coordinator places peers by.
   * @param overlays names of cluster-config overlays or paths of .conf files, applied in order
   * @param extra settings above everything else but this node's address and roles
   */
  public static Config create(
      String host, Integer port, List<String> seeds, List<String> roles, Integer slots, List<String> overlays,
      Config extra) {
    Map<String, Object> values = new HashMap<>();
    if (host != null) {
      values.put("pekko.remote.artery.canonical.hostname", host);
    }
    if (port != null) {
      values.put("pekko.remote.artery.canonical.port", port);
    }
    if (!seeds.isEmpty()) {
      values.put("pekko.cluster.seed-nodes", seeds.stream().map(NodeConfig::seedAddress).toList());
    }
    if (slots != null) {
      values.put("cohort.node.slots", slots);
    }
    Config layered = ConfigFactory.parseResources("cohort-node.conf");
    for (String overlay : overlays) {
      layered = overlay(overlay).withFallback(layered);
    }
    Config config = ConfigFactory.load(ConfigFactory.parseMap(values).withFallback(extra).withFallback(layered));
    String advertised = config.getString("pekko.remote.artery.canonical.hostname");
    if (config.getBoolean("cohort.node.require-routable-host")
        && (advertised.startsWith("127.") || advertised.equals("localhost") || advertised.equals("::1"))) {
      throw new UsageException("this node would tell the other machines to reach it at " + advertised
          + ": set COHORT_HOST (or --host) to this machine's address as the others see it");
    }
    int nodeSlots = config.getInt("cohort.node.slots");
    int gpus = config.getInt("cohort.node.gpus");
    if (nodeSlots < 0 || gpus < 0) {
      throw new UsageException("cohort.node.slots and cohort.node.gpus must be >= 0, found " + nodeSlots + " and " + gpus);
    }
    List<String> all = new ArrayList<>(roles);
    all.add("slots-" + (nodeSlots == 0 ? Runtime.getRuntime().availableProcessors() : nodeSlots));
    all.add("gpus-" + gpus);
    return Tls.configure(ConfigFactory.parseMap(Map.of("pekko.cluster.roles", all)).withFallback(config));
  }

  /** $COHORT_OVERLAYS: overlays to apply, comma-separated (e.g. {@code multi-host,tls}). */
  public static List<String> overlaysFromEnvironment() {
    String names = System.getenv("COHORT_OVERLAYS");
    return names == null || names.isBlank() ? List.of() : List.of(names.split(","));
  }

  private static Config overlay(String name) {
    String trimmed = name.trim();
    if (trimmed.endsWith(".conf")) {
      Path file = Path.of(trimmed);
      if (!Files.isRegularFile(file)) {
        throw new UsageException("overlay file not found: " + file.toAbsolutePath());
      }
      try {
        return ConfigFactory.parseFile(file.toFile());
      } catch (ConfigException e) {
        throw new UsageException("cannot parse overlay " + file + ": " + e.getMessage());
      }
    }
    Config resource = ConfigFactory.parseResources(trimmed + ".conf");
    if (resource.isEmpty()) {
      throw new UsageException("unknown overlay '" + trimmed + "' (expected multi-host, tls, kubernetes or a .conf file)");
    }
    return resource;
  }

  /** Local runs share one machine: each of {@code nodes} JVMs gets an equal part of its cores. */
  static int localSlots(int nodes) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, nodes));
  }

  private static String seedAddress(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new UsageException("a seed node is host:port, found '" + hostPort + "'");
    }
    try {
      Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new UsageException("the port of seed node '" + hostPort + "' is not a number");
    }
    return "pekko://" + SYSTEM_NAME + "@" + hostPort;
  }

  /** Reads a small secret file (a password), without its trailing newline. */
  static String secret(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UsageException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
