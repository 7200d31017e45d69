package dev.cohort.actors.cli;

import dev.cohort.actors.args.Arguments;
import dev.cohort.actors.args.UsageException;
import dev.cohort.actors.launch.LaunchOptions;
import dev.cohort.actors.launch.NodeConfig;
import dev.cohort.actors.launch.NodeStartup;

import dev.cohort.actors.logging.RunLog;
import dev.cohort.actors.node.NodeGuardian;
import dev.cohort.protocol.RunFinished;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * {@code node}: one trainer node that joins a cluster through its seed nodes and hosts the peers
 * the coordinator places on it. It runs until stopped, or until the run ends with
 * {@code --exit-when-finished}, or until its parent process dies with {@code --exit-with-parent}.
 * With {@code --log-file FILE} its whole log goes to FILE and the terminal shows errors only.
 */
final class NodeCommand {

  private NodeCommand() {}

  static int run(Arguments arguments) {
    String host = null;
    Integer port = null;
    List<String> seeds = new ArrayList<>();
    boolean exitWhenFinished = false;
    boolean exitWithParent = false;
    Integer slots = null;
    Path logFile = null;
    List<String> roles = LaunchOptions.DEFAULT_ROLES;
    List<String> overlays = new ArrayList<>(NodeConfig.overlaysFromEnvironment());
    while (arguments.hasMore()) {
      String option = arguments.next();
      switch (option) {
        case "--seed" -> seeds.add(arguments.valueOf(option));
        case "--host" -> host = arguments.valueOf(option);
        case "--port" -> port = arguments.intValueOf(option);
        case "--exit-when-finished" -> exitWhenFinished = true;
        case "--exit-with-parent" -> exitWithParent = true;
        case "--slots" -> slots = arguments.intValueOf(option);
        case "--roles" -> roles = List.of(arguments.valueOf(option).split(","));
        case "--overlay" -> overlays.add(arguments.valueOf(option));
        case "--log-file" -> logFile = Path.of(arguments.valueOf(option));
        default -> throw new UsageException(
            "unknown option " + option + " (expected --seed host:port, --host H, --port P, --slots N,"
                + " --roles coordinator,trainer, --overlay NAME, --log-file FILE, --exit-when-finished, --exit-with-parent)");
      }
    }
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
    if (exitWhenFinished) {
      outcome.thenRun(system::terminate);
    }
    if (exitWithParent) {
      Thread watcher = new Thread(() -> terminateAtEndOfInput(System.in, system), "cohort-parent-watch");
      watcher.setDaemon(true);
      watcher.start();
    }
    system.getWhenTerminated().toCompletableFuture().join();
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
