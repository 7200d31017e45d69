package dev.cohort.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.launch.LaunchOptions;
import dev.cohort.actors.launch.NodeConfig;
import dev.cohort.actors.launch.NodeStartup;
import dev.cohort.actors.node.NodeGuardian;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.junit.jupiter.api.Test;

/**
 * A node with Pekko Management on (as in the kubernetes overlay) answers the health checks the
 * Kubernetes probes use: /alive at once, /ready once it is an Up member of its cluster.
 */
class ManagementTest {

  @Test
  void aNodeAnswersItsLivenessAndReadinessChecks() throws Exception {
    Config management = ConfigFactory.parseMap(Map.of(
        "cohort.management.enabled", true,
        "pekko.management.http.bind-port", 0));
    Config config = NodeConfig.create("127.0.0.1", 0, List.of(), LaunchOptions.DEFAULT_ROLES, 1, List.of(), management);
    ActorSystem<NodeGuardian.Command> system =
        NodeStartup.start(NodeGuardian.create(Optional.empty(), new CompletableFuture<>()), config);
    try {
      URI base = URI.create(PekkoManagement.get(system).start().toCompletableFuture().get(30, TimeUnit.SECONDS).toString());
      assertTrue(base.getPort() > 0, "bound to a free port: " + base);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      assertEquals(200, get(http, base.resolve("/alive")).statusCode());
      assertEquals(500, get(http, base.resolve("/ready")).statusCode(), "not ready before it has joined a cluster");

      Cluster.get(system).manager().tell(Join.create(Cluster.get(system).selfMember().address()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      HttpResponse<String> ready;
      while ((ready = get(http, base.resolve("/ready"))).statusCode() != 200) {
        assertTrue(System.nanoTime() < deadline, "ready once Up: " + ready.body());
        Thread.sleep(200);
      }
    } finally {
      ActorTestKit.shutdown(system, Duration.ofSeconds(30));
    }
  }

  private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
