package dev.cohort.actors.launch;

import com.typesafe.config.Config;
import dev.cohort.actors.node.NodeGuardian;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * Starts a node's ActorSystem and, where its config asks for them ({@code cohort.management}: the
 * kubernetes overlay), Pekko Management's HTTP endpoints (health: /alive, /ready) and cluster
 * bootstrap, which finds the other nodes through service discovery instead of seed nodes.
 */
public final class NodeStartup {

  private NodeStartup() {}

  public static ActorSystem<NodeGuardian.Command> start(Behavior<NodeGuardian.Command> guardian, Config config) {
    ActorSystem<NodeGuardian.Command> system = ActorSystem.create(guardian, NodeConfig.SYSTEM_NAME, config);
    if (config.getBoolean("cohort.management.enabled")) {
      PekkoManagement.get(system).start().whenComplete((uri, failure) -> {
        if (failure != null) {
          system.log().error("Pekko Management did not start: {}", failure.getMessage());
        } else {
          system.log().info("Pekko Management (health: /alive, /ready) at {}", uri);
        }
      });
    }
    if (config.getBoolean("cohort.management.bootstrap")) {
      ClusterBootstrap.get(system).start();
    }
    return system;
  }

  /** Whether this node joins through bootstrap rather than seed nodes or itself. */
  public static boolean bootstraps(Config config) {
    return config.getBoolean("cohort.management.bootstrap");
  }
}
