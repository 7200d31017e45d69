package dev.cohort.actors.launch;


import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.node.NodeGuardian;
import java.util.List;

/**
 * The options of {@code run} and {@code demo}: config overrides, JVMs to start, this node's port
 * (null: the config's), overlays, an existing cluster to join instead of forming one, and roles.
 */
public record LaunchOptions(Config overrides, Integer spawn, Integer port, List<String> overlays, String join, List<String> roles) {

  public static final List<String> DEFAULT_ROLES = List.of(NodeGuardian.COORDINATOR_ROLE, NodeGuardian.TRAINER_ROLE);

  /** The plain local launch: every default, this node's port {@code port}. */
  static LaunchOptions local(int port) {
    return new LaunchOptions(ConfigFactory.empty(), 0, port, NodeConfig.overlaysFromEnvironment(), null, DEFAULT_ROLES);
  }
}
