package dev.cohort.actors.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.launch.BoundedStop;
import dev.cohort.actors.launch.LaunchOptions;
import dev.cohort.actors.launch.NodeConfig;
import dev.cohort.actors.launch.NodeStartup;
import dev.cohort.actors.launch.UsageException;
import dev.cohort.actors.logging.RunLog;
import dev.cohort.actors.node.NodeGuardian;
import dev.cohort.protocol.RunFinished;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code node}: one trainer node that joins a cluster through its seed nodes and hosts the peers
 * the coordinator places on it. It runs until stopped, or until the run ends with
 * {@code --exit-when-finished}, or until its parent process dies with {@code --exit-with-parent}.
 * With {@code --log-file FILE} its whole log goes to FILE and the terminal shows errors only.
 * Once its actor system begins to terminate (also when the split-brain resolver downed it), the
 * process exits within {@link BoundedStop#LIMIT} whether or not the system has stopped.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "One node that joins an existing cluster: it hosts peers (role trainer) and can take over the"
        + " coordinator (role coordinator).")
final class NodeCommand implements Callable<Integer> {

  @Option(names = "--seed", paramLabel = "HOST:PORT", description = "a node of the cluster to join (repeatable; default: COHORT_SEEDS=h:p,h:p)")
  private List<String> seeds = new ArrayList<>();

  @Option(names = "--host", paramLabel = "H", description = "the address other nodes reach this one at (default: COHORT_HOST, else the config's)")
  private String host;

  @Option(names = "--port", paramLabel = "P", description = "this node's port (default: the config's)")
  private Integer port;

  @Option(names = "--slots", paramLabel = "N", description = "peers this node hosts at most (default: its cores)")
  private Integer slots;

  @Option(names = "--roles", split = ",", paramLabel = "ROLE", description = "coordinator, trainer (default: both)")
  private List<String> roles;

  @Option(names = "--overlay", paramLabel = "NAME", description = "multi-host, tls, kubernetes or a .conf file (repeatable; also COHORT_OVERLAYS=a,b)")
  private List<String> overlays = new ArrayList<>();

  @Option(names = "--log-file", paramLabel = "FILE", description = "the node's whole log goes to FILE; the terminal shows errors only")
  private Path logFile;

  @Option(names = "--exit-when-finished", description = "exit when the run it took part in is over")
  private boolean exitWhenFinished;

  @Option(names = "--exit-with-parent", hidden = true, description = "exit when standard input closes (the JVMs a launcher starts)")
  private boolean exitWithParent;

  @Override
  public Integer call() {
    List<String> overlays = new ArrayList<>(NodeConfig.overlaysFromEnvironment());
    overlays.addAll(this.overlays);
    List<String> roles = this.roles == null ? LaunchOptions.DEFAULT_ROLES : this.roles;
    if (seeds.isEmpty() && System.getenv("COHORT_SEEDS") != null) {
      seeds.addAll(List.of(System.getenv("COHORT_SEEDS").split(",")));
    }
    Config config = NodeConfig.create(host, port, seeds, roles, slots, overlays, ConfigFactory.empty());
    if (seeds.isEmpty() && !NodeStartup.bootstraps(config)) {
      throw new UsageException("node needs at least one --seed host:port (or COHORT_SEEDS=host:port,...),"
          + " or cluster bootstrap (the kubernetes overlay)");
    }
    try (RunLog logged = logFile == null ? null : RunLog.open(logFile)) {
      return serve(config, exitWhenFinished, exitWithParent);
    }
  }

  private static int serve(Config config, boolean exitWhenFinished, boolean exitWithParent) {
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    ActorSystem<NodeGuardian.Command> system = NodeStartup.start(NodeGuardian.create(Optional.empty(), outcome), config);
    CompletableFuture<Void> stopping = BoundedStop.terminationBegins(system);
    if (exitWhenFinished) {
      outcome.thenRun(system::terminate);
    }
    if (exitWithParent) {
      Thread watcher = new Thread(() -> terminateAtEndOfInput(System.in, system), "cohort-parent-watch");
      watcher.setDaemon(true);
      watcher.start();
    }
    stopping.join();
    BoundedStop.await(system, BoundedStop.LIMIT, System.err);
    return 0;
  }

  private static void terminateAtEndOfInput(InputStream in, ActorSystem<?> system) {
    try {
      while (in.read() >= 0) {
        // nothing is sent on stdin; end of input means the parent is gone
      }
    } catch (IOException e) {
      // a broken pipe means the same
    }
    system.terminate();
  }
}
