package dev.cohort.actors.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The Pekko configuration of one Cohort node: cohort-node.conf plus this node's address, seeds and roles. */
final class NodeConfig {

  static final String SYSTEM_NAME = "cohort";

  private NodeConfig() {}

  /**
   * @param host canonical host, or null for the default (127.0.0.1 or $COHORT_HOST)
   * @param port canonical port, or null for the default (0 = any free port, or $COHORT_PORT)
   * @param seeds seed nodes as host:port
   */
  static Config create(String host, Integer port, List<String> seeds, List<String> roles) {
    Map<String, Object> values = new HashMap<>();
    if (host != null) {
      values.put("pekko.remote.artery.canonical.hostname", host);
    }
    if (port != null) {
      values.put("pekko.remote.artery.canonical.port", port);
    }
    values.put("pekko.cluster.seed-nodes", seeds.stream().map(NodeConfig::seedAddress).toList());
    values.put("pekko.cluster.roles", roles);
    return ConfigFactory.load(
        ConfigFactory.parseMap(values).withFallback(ConfigFactory.parseResources("cohort-node.conf")));
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
}
