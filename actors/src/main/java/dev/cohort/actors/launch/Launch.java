package dev.cohort.actors.launch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.actors.coordinator.RunHistory;
import dev.cohort.actors.data.PeerModels;
import dev.cohort.actors.data.RunDataCache;
import dev.cohort.actors.extract.RunModels;
import dev.cohort.actors.logging.RunLog;
import dev.cohort.actors.node.NodeGuardian;
import dev.cohort.model.io.AtomicFiles;
import dev.cohort.protocol.RunFinished;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * {@code demo} and {@code run}: resolves the cohort file, creates the run directory, starts this
 * JVM's node (which hosts the coordinator) and {@code nodes - 1} more JVMs on 127.0.0.1, and
 * waits for the run's outcome. Ctrl-C stops every process it started.
 */
public final class Launch {

  private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private Launch() {}

  /** {@code demo}: the demo cohort (three MLP peers on Fashion-MNIST, two local nodes) with {@code options}. */
  public static int demo(LaunchOptions options) throws Exception {
    Config demo = ConfigFactory.parseResources("cohorts/demo.conf");
    if (demo.isEmpty()) {
      throw new IllegalStateException("cohorts/demo.conf is missing from the classpath");
    }
    return launch(demo, "the demo cohort", options);
  }

  /** {@code run COHORT.conf}: a new run of the cohort file {@code file} with {@code options}. */
  public static int run(Path file, LaunchOptions options) throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new UsageException("cohort file not found: " + file.toAbsolutePath());
    }
    Config config;
    try {
      config = ConfigFactory.parseFile(file.toFile());
    } catch (ConfigException e) {
      throw new CohortConfigException("cannot parse " + file + ": " + e.getMessage(), e);
    }
    SettingsParser.checkFile(config, file.toString());
    return launch(config, file.toString(), options);
  }

  /**
   * {@code run --resume RUN_DIR [--nodes N] [--spawn K] [--port P]}: continues a stopped run from its
   * resolved config and its peers' latest good checkpoints, in the same run directory.
   */
  public static int resume(Path runDirectory, LaunchOptions options) throws Exception {
    Path runPath = runDirectory.toAbsolutePath();
    Config config = RunModels.config(runPath);
    RunDataCache data = new RunDataCache();
    CohortSettings settings = SettingsParser.parse(options.overrides().withFallback(config));
    if (options.join() == null) {
      checkDashboardHost(settings.dashboard());
    }
    if (!settings.runPath().equals(runPath)) {
      throw new CohortConfigException("cannot resume " + runPath + ": its config.conf names the run directory "
          + settings.runPath() + " (was the run moved? cohort.run.directory and cohort.run.id must point back to it)");
    }
    if (RunHistory.read(runPath).finished()) {
      throw new CohortConfigException("run " + settings.runId() + " in " + runPath
          + " has already finished (see its events.jsonl); there is nothing to resume");
    }
    PeerModels.check(settings, data.get(settings.data()));
    System.out.println("Resuming run " + settings.runId() + " in " + runPath);
    return finish(new Prepared(settings, data, true), options);
  }

  private static int launch(Config cohortFile, String source, LaunchOptions options) throws Exception {
    if (options.join() == null) {
      checkDashboardHost(SettingsParser.parse(options.overrides().withFallback(cohortFile)).dashboard());
    }
    Prepared run = prepare(options.overrides().withFallback(cohortFile), source, new RunDataCache());
    System.out.println("Cohort run directory: " + run.settings().runPath());
    return finish(run, options);
  }

  /** Starts the nodes, waits for the outcome and prints it; the process's exit code. */
  private static int finish(Prepared run, LaunchOptions options) throws IOException {
    CohortSettings settings = run.settings();
    int extraNodes = options.spawn() == null ? settings.cluster().nodes() - 1 : options.spawn();
    if (extraNodes < 0 || extraNodes >= settings.cluster().nodes()) {
      throw new UsageException(
          "--spawn " + extraNodes + " must be between 0 and " + (settings.cluster().nodes() - 1)
              + " (the cohort expects " + settings.cluster().nodes() + " nodes, this one included)");
    }
    Path log = settings.runPath().resolve("logs").resolve(options.join() == null ? "node-1.log" : "launcher.log");
    System.out.println("Log of this node (Pekko's warnings included): " + log);
    Outcome outcome;
    try (RunLog logged = RunLog.open(log)) {
      outcome = execute(run, extraNodes, options, ProgressConsole.stdout());
    }
    if (outcome.interrupted()) {
      return 130; // the shutdown hook is stopping everything
    }
    RunFinished finished = outcome.finished();
    if (!finished.getSuccess()) {
      System.err.println("error: " + finished.getMessage());
      return 1;
    }
    System.out.printf(java.util.Locale.ROOT, "best peer %s exported to %s (test accuracy %.4f)%n",
        finished.getBestPeer(), Path.of(finished.getModelPath()).getParent(), finished.getTestAccuracy());
    return 0;
  }

  /**
   * A run ready to start: its settings, with run id and absolute paths, and its data, loaded;
   * {@code resume}: a stopped run continued from its checkpoints.
   */
  public record Prepared(CohortSettings settings, RunDataCache data, boolean resume) {
    Prepared(CohortSettings settings, RunDataCache data) {
      this(settings, data, false);
    }
  }

  /** How a run ended; {@code interrupted} when Ctrl-C stopped it (then {@code finished} says little). */
  public record Outcome(RunFinished finished, boolean interrupted) {}

  /**
   * Resolves a cohort config (run id, absolute paths), reads and checks its data — a missing or
   * corrupt file is one clear error here, before anything starts, and this node's peers then train
   * on the copy in {@code data} — and creates the run directory with the resolved config.
   */
  public static Prepared prepare(Config cohort, String source, RunDataCache data) throws IOException {
    CohortSettings preliminary = SettingsParser.parse(cohort);
    String runId = preliminary.runId().isEmpty() ? newRunId() : preliminary.runId();
    Config resolved =
        set(set(set(cohort, "run.id", runId), "run.directory", preliminary.runDirectory().toAbsolutePath().toString()),
            "data.directory", preliminary.data().directory().toAbsolutePath().toString());
    CohortSettings settings = SettingsParser.parse(resolved);
    PeerModels.check(settings, data.get(settings.data()));
    Path runPath = settings.runPath();
    if (Files.exists(runPath)) {
      throw new CohortConfigException("run directory " + runPath + " already exists: choose another cohort.run.id");
    }
    try {
      Files.createDirectories(runPath);
      AtomicFiles.writeString(
          runPath.resolve("config.conf"),
          "# Resolved configuration of run " + runId + " (from " + source + ")\n"
              + settings.source().atPath("cohort").root().render(ConfigRenderOptions.defaults().setOriginComments(false)));
    } catch (IOException e) {
      throw new CohortConfigException("cannot create the run directory " + runPath + " (cohort.run.directory = "
          + preliminary.runDirectory() + "): " + reason(e), e);
    }
    return new Prepared(settings, data);
  }

  /**
   * Starts this JVM's node (coordinator and trainer) and {@code extraNodes} more JVMs, waits for
   * the outcome and stops them all. {@code console} receives the run's progress lines.
   */
  public static Outcome execute(Prepared run, int extraNodes, int port, Consumer<String> console) throws IOException {
    return execute(run, extraNodes, LaunchOptions.local(port), console);
  }

  /**
   * Starts this JVM's node and {@code extraNodes} more JVMs, waits for the outcome and stops them
   * all. The node forms a cluster with itself, or joins {@code --join}'s (or, with cluster
   * bootstrap, the one service discovery finds); the coordinator runs on the oldest node.
   */
  static Outcome execute(Prepared run, int extraNodes, LaunchOptions options, Consumer<String> console)
      throws IOException {
    CohortSettings settings = run.settings();
    CompletableFuture<RunFinished> outcome = new CompletableFuture<>();
    // Its share of this machine's cores, as a local cluster's JVMs split them, unless COHORT_SLOTS
    // says how many this node has (as it does for `cohort node`): e.g. the nodes are other machines.
    Integer ownSlots = System.getenv("COHORT_SLOTS") != null ? null : NodeConfig.localSlots(settings.cluster().nodes());
    List<String> seeds = options.join() == null ? List.of() : List.of(options.join());
    Config nodeConfig =
        NodeConfig.create(null, options.port(), seeds, options.roles(), ownSlots, options.overlays(), ConfigFactory.empty());
    int slots = nodeConfig.getInt("cohort.node.slots");
    ActorSystem<NodeGuardian.Command> system =
        NodeStartup.start(
            NodeGuardian.create(
                Optional.of(new NodeGuardian.Launch(settings, console, outcome::complete, run.resume())),
                outcome,
                run.data()),
            nodeConfig);
    // Downed (cut off in a minority) or stopped before the run ended: the run goes on on the majority.
    Runnable left = () -> outcome.complete(RunFinished.newBuilder().setSuccess(false)
        .setMessage("this node left the cluster before the run ended (downed by the split-brain resolver after a"
            + " partition, or stopped); the run goes on on the majority, its events in " + settings.runPath()
            + "/events.jsonl")
        .build());
    org.apache.pekko.cluster.Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
        .registerOnMemberRemoved(left);
    system.getWhenTerminated().thenRun(left);
    Cluster cluster = Cluster.get(system);
    Address self = cluster.selfMember().address();
    if (seeds.isEmpty() && !NodeStartup.bootstraps(nodeConfig)) {
      cluster.manager().tell(Join.create(self));
    }
    ChildNodes children = new ChildNodes();
    AtomicBoolean interrupted = new AtomicBoolean();
    Thread stopOnInterrupt =
        new Thread(
            () -> {
              interrupted.set(true);
              System.err.println("cohort: interrupted; stopping every node this launch started");
              children.stop(0);
              system.terminate();
              system.getWhenTerminated().toCompletableFuture().join();
            },
            "cohort-launcher-shutdown");
    Runtime.getRuntime().addShutdownHook(stopOnInterrupt);
    String seed = self.getHost().get() + ":" + self.getPort().get();
    if (seeds.isEmpty() && !NodeStartup.bootstraps(nodeConfig)) {
      console.accept("node 1 (coordinator) at " + self);
    } else {
      console.accept("node at " + self + " joins " + (seeds.isEmpty() ? "the cluster service discovery finds" : seeds.get(0))
          + "; the coordinator runs on the cluster's oldest node (its log shows the run's progress)");
      seed = seeds.isEmpty() ? seed : seeds.get(0);
    }
    if (extraNodes > 0) {
      console.accept("starting " + extraNodes + " more JVM(s), logs in " + settings.runPath().resolve("logs"));
      children.start(extraNodes, seed, slots, options.overlays(), settings.runPath().resolve("logs"));
    }
    int byHand = settings.cluster().nodes() - 1 - extraNodes;
    if (byHand > 0) {
      console.accept("waiting for " + byHand + " node(s) started by hand: ./cohort node --seed " + seed);
    }
    RunFinished finished = outcome.join();
    if (interrupted.get()) {
      return new Outcome(finished, true);
    }
    children.stop(30);
    system.terminate();
    BoundedStop.await(system, BoundedStop.LIMIT, System.err);
    Runtime.getRuntime().removeShutdownHook(stopOnInterrupt);
    return new Outcome(finished, false);
  }

  /**
   * The dashboard runs beside the coordinator, on this node unless the run is handed to a cluster
   * ({@code --join}): its host must be one of this machine's addresses (or every interface's).
   */
  private static void checkDashboardHost(CohortSettings.Dashboard dashboard) {
    if (!dashboard.enabled()) {
      return;
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(dashboard.host());
    } catch (UnknownHostException e) {
      throw new CohortConfigException("cohort.dashboard.host = " + dashboard.host() + ": no such host (it does not"
          + " resolve here); expected an address of this machine, e.g. 127.0.0.1 or 0.0.0.0");
    }
    boolean local;
    try {
      local = address.isAnyLocalAddress() || address.isLoopbackAddress()
          || NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      local = true; // cannot tell: the dashboard's own bind will say
    }
    if (!local) {
      throw new CohortConfigException("cohort.dashboard.host = " + dashboard.host() + " (" + address.getHostAddress()
          + ") is not an address of this machine, so the dashboard could not listen there; expected e.g. 127.0.0.1"
          + " (loopback) or 0.0.0.0 (every interface)");
    }
  }

  public static Config set(Config config, String key, Object value) {
    return config.withValue("cohort." + key, ConfigValueFactory.fromAnyRef(value));
  }

  /** {@code --set training.epochs=2} (the {@code cohort.} prefix is optional), value parsed as HOCON. */
  public static Config setting(Config overrides, String assignment) {
    int equals = assignment.indexOf('=');
    if (equals <= 0) {
      throw new UsageException("--set expects key=value, found '" + assignment + "'");
    }
    String key = assignment.substring(0, equals).trim();
    String path = key.startsWith("cohort.") ? key : "cohort." + key;
    try {
      return ConfigFactory.parseString(path + " = " + assignment.substring(equals + 1)).withFallback(overrides);
    } catch (ConfigException e) {
      throw new UsageException("--set " + assignment + ": " + e.getMessage());
    }
  }

  /** Why a file operation failed, in words: "Permission denied", "Read-only file system", "Not a directory"... */
  private static String reason(IOException e) {
    if (e instanceof FileSystemException fs) {
      String why = fs.getReason() != null ? fs.getReason()
          : e instanceof AccessDeniedException ? "Permission denied"
          : e instanceof FileAlreadyExistsException ? "a file of that name is in the way"
          : e instanceof NoSuchFileException ? "cannot be made there (no such file or directory)"
          : e.getClass().getSimpleName();
      return (fs.getFile() != null ? fs.getFile() + ": " : "") + why;
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  private static String newRunId() {
    return LocalDateTime.now().format(RUN_TIME) + "-" + String.format("%04x", new SecureRandom().nextInt(0x10000));
  }
}
