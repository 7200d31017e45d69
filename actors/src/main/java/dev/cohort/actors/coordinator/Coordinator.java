package dev.cohort.actors.coordinator;

import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.WireInbox;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.dashboard.Dashboard;
import dev.cohort.actors.dashboard.DashboardSettings;
import dev.cohort.actors.dashboard.RunControl;
import dev.cohort.actors.dashboard.RunFeed;
import dev.cohort.actors.dashboard.RunLines;
import dev.cohort.actors.dashboard.RunReport;
import dev.cohort.model.CohortMetrics;
import dev.cohort.actors.extract.CardFacts;
import dev.cohort.protocol.AdoptRun;
import dev.cohort.protocol.Checkpointed;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.ExportModel;
import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.ModelExported;
import dev.cohort.protocol.PeerAddress;
import dev.cohort.protocol.PeerFailed;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerJoined;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.PlacePeer;
import dev.cohort.protocol.RunFinished;
import dev.cohort.protocol.RunMode;
import dev.cohort.protocol.StartTraining;
import dev.cohort.protocol.StopTraining;
import dev.cohort.protocol.ValidationPredictions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Runs one cohort: waits for the expected nodes, places the peers on them round-robin, starts
 * training once every peer has registered (with the kd topology: the teacher alone first, its
 * students once it is frozen), records every report, prints each epoch's table and the cohort's
 * metrics (ensemble accuracy, agreement and KL between peers), and at the end asks the peer with
 * the best validation accuracy (never a frozen teacher) to export itself, writes its model card
 * and tells every node the run is over.
 *
 * <p>Nothing waits forever: nodes and peers that are not up within {@code startup-timeout}, or an
 * export that does not come within {@code export-timeout}, end the run with an error naming what
 * is missing. A peer that fails or disappears is recorded and left out; the run goes on with the
 * others and fails only when none is left.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

  /** Everything the coordinator handles; local only, wire messages arrive wrapped. */
  public interface Command extends NoSerializationVerificationNeeded {}

  private record FromWire(CoordinatorInbox message) implements Command {}

  /** One adapter serves both subscriptions: a second adapter for the same class would replace the first. */
  private record ListingChanged(Receptionist.Listing listing) implements Command {}

  private record MembershipChanged(ClusterEvent.ClusterDomainEvent event) implements Command {}

  private record RestartTimeout(String peer, int restart) implements Command {}

  /** End the run now (the dashboard's stop control); the checkpoints stay, so it can be resumed. */
  private record StopRequested(String by) implements Command {}

  /** An event to record in the run's events.jsonl (e.g. the dashboard's extractions). */
  private record RecordEvent(String name, Map<String, Object> fields) implements Command {}

  private enum Timeout implements Command {
    STARTUP,
    EXPORT,
    RECOVERED
  }

  private enum Phase {
    WAITING_FOR_NODES,
    WAITING_FOR_PEERS,
    TRAINING,
    EXPORTING,
    DONE
  }


  private final CohortSettings settings;
  private final Consumer<String> console;
  private final Consumer<RunFinished> onFinished;
  private final TimerScheduler<Command> timers;
  private final ActorRef<CoordinatorInbox> inbox;
  private final RunDirectory run;
  private final ActorRefResolver resolver;
  private final Address selfAddress;
  private final NodeDirectory nodes;

  private Phase phase = Phase.WAITING_FOR_NODES;
  private final Map<String, ActorRef<PeerInbox>> peers = new LinkedHashMap<>();
  private final PeerResults results;
  private final Failover failover;
  private final Set<String> started = new TreeSet<>();
  private final boolean recovering;
  private final boolean resuming;
  private final CohortEvaluation evaluation = new CohortEvaluation();
  private boolean teacherFrozen;
  private String exportingPeer;

  /**
   * @param console where the run's progress lines go
   * @param onFinished told the outcome once, as the nodes are
   */
  public static Behavior<Command> create(
      CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished) {
    return create(settings, console, onFinished, Mode.FRESH);
  }

  /**
   * A coordinator that takes over a run in progress (its predecessor's node was lost, or the run
   * is resumed): it rebuilds its state from the run directory and from the peers that register.
   */
  public static Behavior<Command> takeOver(
      CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished) {
    return create(settings, console, onFinished, Mode.TAKE_OVER);
  }

  /**
   * A coordinator that continues a stopped run on a new cluster: it waits for the nodes, places
   * every peer that was not given up with its latest good checkpoint, and goes on from there.
   */
  public static Behavior<Command> resume(
      CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished) {
    return create(settings, console, onFinished, Mode.RESUME);
  }

  private enum Mode {
    FRESH,
    TAKE_OVER,
    RESUME
  }

  private static Behavior<Command> create(
      CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished, Mode mode) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new Coordinator(context, timers, settings, console, onFinished, mode)));
  }

  private Coordinator(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      CohortSettings settings,
      Consumer<String> console,
      Consumer<RunFinished> onFinished,
      Mode mode) {
    super(context);
    this.settings = settings;
    this.recovering = mode == Mode.TAKE_OVER;
    this.resuming = mode == Mode.RESUME;
    this.results = new PeerResults(settings.peers().stream().map(PeerSpec::name).toList());
    this.console = console;
    this.onFinished = onFinished;
    this.timers = timers;
    this.run = new RunDirectory(settings.runPath(), dashboardFeed(context, settings, console));
    this.resolver = ActorRefResolver.get(context.getSystem());
    this.selfAddress = Cluster.get(context.getSystem()).selfMember().address();
    this.nodes = new NodeDirectory(Cluster.get(context.getSystem()));
    this.failover = new Failover(new FailoverRuntime(), console, settings.cluster().maxRestarts());
    this.inbox =
        context.spawn(WireInbox.<CoordinatorInbox, Command>create(context.getSelf(), FromWire::new), WireInbox.NAME);
    var receptionist = context.getSystem().receptionist();
    ActorRef<Receptionist.Listing> listings =
        context.messageAdapter(Receptionist.Listing.class, ListingChanged::new);
    receptionist.tell(Receptionist.register(ServiceKeys.coordinator(settings.runId()), inbox));
    receptionist.tell(Receptionist.subscribe(ServiceKeys.HOSTS, listings));
    receptionist.tell(Receptionist.subscribe(ServiceKeys.peers(settings.runId()), listings));
    Cluster.get(context.getSystem()).subscriptions().tell(
        Subscribe.create(context.messageAdapter(ClusterEvent.ClusterDomainEvent.class, MembershipChanged::new),
            ClusterEvent.ClusterDomainEvent.class));
    String topology = settings.distillation().topologyName();
    if (recovering) {
      recover();
      return;
    }
    timers.startSingleTimer(Timeout.STARTUP, settings.cluster().startupTimeout());
    run.event(resuming ? "run-resumed" : "run-started", Map.of("run", settings.runId(), "peers", settings.peers().size(),
        "nodes", settings.cluster().nodes(), "topology", topology,
        "label_noise", settings.data().labelNoise(),
        "teacher_weighting", settings.distillation().teacherWeighting().name().toLowerCase(Locale.ROOT)));
    if (resuming && !readHistory()) {
      return;
    }
    console.accept(String.format(Locale.ROOT,
        "run %s: %d peers, %s (T=%s, λ=%s), %d epochs, waiting for %d node(s)",
        settings.runId(), settings.peers().size(), topology,
        settings.distillation().temperature(), settings.distillation().lambda(),
        settings.training().epochs(), settings.cluster().nodes()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ListingChanged.class, this::onListingChanged)
        .onMessage(FromWire.class, this::onWire)
        .onMessageEquals(Timeout.STARTUP, this::onStartupTimeout)
        .onMessageEquals(Timeout.EXPORT, this::onExportTimeout)
        .onMessageEquals(Timeout.RECOVERED, this::onRecovered)
        .onMessage(MembershipChanged.class, this::onMembershipChanged)
        .onMessage(RestartTimeout.class, this::onRestartTimeout)
        .onMessage(StopRequested.class, this::onStopRequested)
        .onMessage(RecordEvent.class, e -> {
          run.event(e.name(), e.fields());
          return this;
        })
        .onSignal(PostStop.class, signal -> closeRun())
        .build();
  }

  /** The dashboard's controls in this coordinator's own protocol. */
  private static Command fromDashboard(RunControl control) {
    if (control instanceof RunControl.Stop stop) {
      return new StopRequested(stop.by());
    }
    RunControl.RecordEvent event = (RunControl.RecordEvent) control;
    return new RecordEvent(event.name(), event.fields());
  }

  /**
   * Starts the run's dashboard as a child (unless {@code cohort.dashboard.enabled} is off), fed
   * every line written to the run directory; a coordinator that takes over first shows it what
   * the directory holds already.
   */
  private static RunFeed dashboardFeed(ActorContext<Command> context, CohortSettings settings, Consumer<String> console) {
    if (!DashboardSettings.of(settings).enabled()) {
      return RunFeed.NONE;
    }
    try {
      List<Dashboard.Line> history = RunLines.read(settings.runPath());
      ActorRef<Dashboard.Command> dashboard = context.spawn(
          Dashboard.create(settings, console, context.messageAdapter(RunControl.class, Coordinator::fromDashboard), history,
              console instanceof Dashboard.Progress progress ? progress : null),
          "dashboard");
      return (kind, json) -> dashboard.tell(new Dashboard.Line(kind, json));
    } catch (IOException e) {
      console.accept("dashboard: cannot start (" + e.getMessage() + "); the run goes on without it");
      return RunFeed.NONE;
    }
  }

  private Behavior<Command> onStopRequested(StopRequested stop) {
    if (phase != Phase.DONE) {
      run.event("stop-requested", Map.of("by", stop.by()));
      console.accept("stop requested by " + stop.by() + "; stopping every peer");
      finish(false, "stopped by " + stop.by() + " before the end; every checkpoint is kept (cohort extract "
          + settings.runPath() + ", or cohort run --resume " + settings.runPath() + ")");
    }
    return phase == Phase.DONE ? Behaviors.stopped() : this;
  }

  private Behavior<Command> onListingChanged(ListingChanged changed) {
    if (changed.listing().isForKey(ServiceKeys.HOSTS)) {
      onHostsChanged(changed.listing().getServiceInstances(ServiceKeys.HOSTS));
    } else {
      // Every registered peer, on unreachable nodes too: a peer leaves this listing when it stops or
      // its node is removed. Reachability is followed from the membership events instead, which
      // the Receptionist's listing of reachable peers would race.
      onPeersChanged(changed.listing().getAllServiceInstances(ServiceKeys.peers(settings.runId())));
    }
    return this;
  }

  private void onHostsChanged(Set<ActorRef<HostInbox>> listed) {
    List<ActorRef<HostInbox>> added = nodes.listed(listed);
    if (phase == Phase.WAITING_FOR_NODES) {
      placeWhenNodesAreUp();
    } else if (phase != Phase.DONE) {
      // A node that joins mid-run can take over this run's coordination and its restarted peers.
      HostInbox adopt = adoptMessage();
      added.forEach(h -> h.tell(adopt));
      failover.placeUnplaced();
    }
  }

  /** The first placement waits until the expected nodes are members and offer themselves as hosts. */
  private void placeWhenNodesAreUp() {
    if (nodes.available().size() >= settings.cluster().nodes()) {
      placePeers();
    }
  }

  private HostInbox adoptMessage() {
    return HostInbox.newBuilder()
        .setAdoptRun(AdoptRun.newBuilder().setRunId(settings.runId()).setCohortConfig(settings.render())
            .setMode(RunMode.RUN_MODE_TAKE_OVER))
        .build();
  }

  private void placePeers() {
    HostInbox adopt = adoptMessage();
    nodes.hosts().forEach(h -> h.tell(adopt));
    for (PeerSpec spec : settings.peers()) {
      if (failover.isDead(spec.name())) {
        continue; // given up before the run was stopped
      }
      if (!place(spec.name(), resuming, -1)) {
        finish(false, "no node is up to place peer " + spec.name() + " on");
        return;
      }
    }
    phase = Phase.WAITING_FOR_PEERS;
  }

  /**
   * Sends a peer to the node with the most free slots; with {@code resume}, it continues from its
   * latest checkpoint at batch {@code rejoinAt} (-1: its checkpoint's position). False when no node
   * is available.
   */
  private boolean place(String peer, boolean resume, long rejoinAt) {
    int index = peerNames().indexOf(peer);
    Optional<Placement.Decision> decision =
        nodes.place(
            PlacePeer.newBuilder()
                .setRunId(settings.runId())
                .setPeer(peer)
                .setPeerIndex(index)
                .setCohortConfig(settings.render())
                .setCoordinator(resolver.toSerializationFormat(inbox))
                .setResume(resume)
                .setRejoinAtBatch(rejoinAt)
                .setRestarts(failover.restarts(peer)));
    if (decision.isEmpty()) {
      return false;
    }
    Placement.Decision d = decision.get();
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("peer", peer);
    fields.put("node", d.node().address());
    fields.put("slots", d.node().slots());
    fields.put("device", d.device() < 0 ? "cpu" : "gpu:" + d.device());
    fields.put("threads", d.threads());
    fields.put("oversubscribed", d.oversubscribed());
    fields.put("resume", resume);
    run.event("peer-placed", fields);
    PeerSpec spec = settings.peers().get(index);
    console.accept("  peer " + peer + " " + spec.hidden() + " -> " + d.node().address()
        + (d.device() >= 0 ? " (gpu " + d.device() + ")" : "")
        + (resume ? " (restarted from its checkpoint)" : ""));
    return true;
  }

  private void onPeersChanged(Set<ActorRef<PeerInbox>> instances) {
    Map<String, ActorRef<PeerInbox>> listed = new HashMap<>();
    for (ActorRef<PeerInbox> ref : instances) {
      String name = ServiceKeys.peerName(ref.path().parent().name());
      if (name != null && peerNames().contains(name)) {
        listed.put(name, ref);
      }
    }
    if (phase == Phase.WAITING_FOR_PEERS) {
      peers.putAll(listed);
      if (peers.keySet().containsAll(livePeers())) {
        startTraining();
      }
    } else if (phase == Phase.TRAINING || phase == Phase.EXPORTING) {
      for (Map.Entry<String, ActorRef<PeerInbox>> entry : listed.entrySet()) {
        if (!entry.getValue().equals(peers.get(entry.getKey()))) {
          peerRegistered(entry.getKey(), entry.getValue());
        }
      }
      for (String name : peerNames()) {
        if (!listed.containsKey(name) && peers.containsKey(name) && !failover.isHandled(name) && !recoveringPeers()) {
          failover.lost(name, "it stopped or its node left the cluster", true);
        }
      }
    }
  }

  /** While a coordinator that took over waits for the peers to re-register, missing ones are not lost yet. */
  private boolean recoveringPeers() {
    return recovering && timers.isTimerActive(Timeout.RECOVERED);
  }

  /** A peer registered during the run: one that was restarted, or one found again after a takeover. */
  private void peerRegistered(String name, ActorRef<PeerInbox> ref) {
    peers.put(name, ref);
    Long rejoinAt = failover.registered(name);
    if (rejoinAt == null) {
      return; // already training: found again by a coordinator that took over
    }
    run.event("peer-restarted", Map.of("peer", name, "node", nodes.nodeOf(ref).toString(), "rejoin_at_batch", rejoinAt,
        "restarts", failover.restarts(name)));
    console.accept("peer " + name + " is back on " + nodes.nodeOf(ref) + (rejoinAt >= 0 ? " at batch " + rejoinAt : ""));
    if (!started.contains(name) && !mayStart(name)) {
      return; // a KD student whose teacher is not frozen yet: it starts with the others
    }
    started.add(name);
    ref.tell(startMessage());
    announce(name, Math.max(0, rejoinAt));
  }

  /**
   * A node is reachable again after a partition: what its peers and the others sent meanwhile may
   * be lost (a teacher's finished notice among it, without which a student would wait max-wait at
   * every step), so they hear of each other again: a finished peer answers with its finished notice.
   */
  private void reannounce(String address) {
    if (phase != Phase.TRAINING) {
      return;
    }
    for (String peer : peerNames()) {
      if (address.equals(nodes.nodeOfPeer(peer)) && peers.containsKey(peer) && !failover.isDead(peer)
          && !failover.isRestarting(peer)) {
        announce(peer, results.nextBatch(peer));
      }
    }
  }

  /** Tells the other live peers where {@code name} is now; those linked with it take it (back). */
  private void announce(String name, long rejoinAt) {
    PeerInbox joined =
        PeerInbox.newBuilder()
            .setJoined(PeerJoined.newBuilder()
                .setRunId(settings.runId())
                .setPeer(PeerAddress.newBuilder().setName(name).setRef(resolver.toSerializationFormat(peers.get(name))))
                .setRejoinAtBatch(rejoinAt))
            .build();
    peers.forEach((other, ref) -> {
      if (!other.equals(name) && !failover.isDead(other)) {
        ref.tell(joined);
      }
    });
  }

  private boolean mayStart(String name) {
    Optional<String> teacher = settings.distillation().frozenTeacher();
    return teacher.isEmpty() || teacher.get().equals(name) || teacherFrozen;
  }

  private List<String> peerNames() {
    return settings.peers().stream().map(PeerSpec::name).toList();
  }

  /** Every registered peer that is not lost, by name and address. */
  private PeerInbox startMessage() {
    StartTraining.Builder start = StartTraining.newBuilder().setRunId(settings.runId());
    for (String name : peerNames()) {
      if (peers.containsKey(name) && !failover.isDead(name) && !failover.isRestarting(name)) {
        start.addPeers(PeerAddress.newBuilder().setName(name).setRef(resolver.toSerializationFormat(peers.get(name))));
      }
    }
    return PeerInbox.newBuilder().setStart(start).build();
  }

  private void startTraining() {
    timers.cancel(Timeout.STARTUP);
    phase = Phase.TRAINING;
    run.event("training-started", Map.of("peers", peerNames()));
    console.accept("all " + peers.size() + " peers registered; training starts");
    console.accept(EpochTable.header());
    Optional<String> teacher = settings.distillation().frozenTeacher().filter(peers::containsKey);
    if (teacher.isPresent()) {
      // Classic KD: the teacher trains alone first; its students start once it is frozen.
      started.add(teacher.get());
      peers.get(teacher.get()).tell(startMessage());
    }
    if (teacher.isEmpty() || teacherFrozen) {
      startStudents();
    }
  }

  /** Starts every peer that is not a (frozen) KD teacher. */
  private void startStudents() {
    PeerInbox start = startMessage();
    for (String name : peerNames()) {
      if (settings.distillation().frozenTeacher().filter(name::equals).isEmpty()
          && peers.containsKey(name) && !failover.isRestarting(name) && !failover.isDead(name)) {
        started.add(name);
        peers.get(name).tell(start);
      }
    }
  }

  /** A restarted peer that has not registered in time (its new node died too?) is tried again or given up. */
  private Behavior<Command> onRestartTimeout(RestartTimeout timeout) {
    if (phase != Phase.DONE) {
      failover.restartTimedOut(timeout.peer(), timeout.restart(),
          "restart " + timeout.restart() + " did not register within " + settings.cluster().startupTimeout());
    }
    return phase == Phase.DONE ? Behaviors.stopped() : this;
  }

  private Behavior<Command> onMembershipChanged(MembershipChanged changed) {
    MembershipEvents.of(changed.event()).ifPresent(change -> {
      String address = change.member().address().toString();
      run.event(change.name(), Map.of("node", address, "roles", new TreeSet<>(change.member().getRoles())));
      printNodeChange(change.name(), address);
      if (change.name().equals("member-removed")) {
        nodes.removed(address);
      }
      switch (change.name()) {
        case "member-unreachable" -> nodeUnreachable(address);
        case "member-reachable" -> nodeReachable(address);
        default -> { }
      }
      if (change.gone()) {
        failover.nodeGone(hostedOn(address));
      }
    });
    if (phase == Phase.WAITING_FOR_NODES) {
      placeWhenNodesAreUp();
    } else if (changed.event() instanceof ClusterEvent.MemberUp) {
      failover.placeUnplaced();
    }
    return phase == Phase.DONE ? Behaviors.stopped() : this;
  }

  /** One terminal line per change of a node that holds peers (Pekko's own warnings go to the log file). */
  private void printNodeChange(String change, String address) {
    List<String> hosted = hostedOn(address);
    if (hosted.isEmpty() || phase == Phase.DONE) {
      return;
    }
    switch (change) {
      case "member-unreachable" -> console.accept("node " + address + " is unreachable; its peers " + hosted
          + " are not waited for while it is");
      case "member-reachable" -> console.accept("node " + address + " is reachable again");
      case "member-downed" -> console.accept("node " + address + " is downed (split-brain resolver)");
      default -> { }
    }
  }

  /** Takes over a run whose coordinator was lost: its state from the run directory, its peers as they register. */
  private void recover() {
    run.event("coordinator-took-over", Map.of("node", selfAddress.toString()));
    console.accept("coordinator of run " + settings.runId() + " taking over on " + selfAddress
        + "; waiting " + settings.cluster().recoveryGrace().toSeconds() + " s for its peers to register");
    phase = Phase.TRAINING;
    if (readHistory()) {
      timers.startSingleTimer(Timeout.RECOVERED, settings.cluster().recoveryGrace());
    }
  }

  /** The run so far, from its directory: epoch results, restarts, peers given up. False when the run cannot go on. */
  private boolean readHistory() {
    RunHistory history;
    try {
      history = RunHistory.read(settings.runPath());
    } catch (IOException e) {
      finish(false, "cannot read the run directory " + settings.runPath() + ": " + e.getMessage());
      return false;
    }
    if (history.finished()) {
      finish(false, "run " + settings.runId() + " has already finished (see " + settings.runPath().resolve("events.jsonl") + ")");
      return false;
    }
    results.restore(history.lastEpochEnd().values());
    failover.history(history.restarts(), history.givenUp());
    teacherFrozen = history.teacherFrozen();
    return true;
  }

  /** After the grace period: peers that did not register are restarted; the run goes on. */
  private Behavior<Command> onRecovered() {
    if (phase != Phase.TRAINING) {
      return this;
    }
    PeerInbox start = startMessage();
    for (String name : peerNames()) {
      if (failover.isDead(name)) {
        continue;
      }
      if (peers.containsKey(name)) {
        if (mayStart(name)) {
          // Already training: a second start is ignored. Not started yet (a resumed run): starts now.
          started.add(name);
          peers.get(name).tell(start);
        }
        // Whoever had dropped it (its restart was under way when the old coordinator was lost) takes it back.
        announce(name, 0);
      } else {
        failover.missingAfterTakeOver(name);
      }
    }
    maybeExport();
    return phase == Phase.DONE ? Behaviors.stopped() : this;
  }

  private Behavior<Command> onWire(FromWire wire) {
    CoordinatorInbox message = wire.message();
    switch (message.getMessageCase()) {
      case REPORT -> onReport(message.getReport());
      case EXPORTED -> onExported(message.getExported());
      case FAILED -> onFailed(message.getFailed());
      case VALIDATION -> onValidation(message.getValidation());
      case CHECKPOINTED -> onCheckpointed(message.getCheckpointed());
      default -> getContext().getLog().warn("coordinator ignores an empty message");
    }
    return phase == Phase.DONE ? Behaviors.stopped() : this;
  }

  private void onCheckpointed(Checkpointed checkpoint) {
    if (!checkpoint.getRunId().equals(settings.runId())) {
      return;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("peer", checkpoint.getPeer());
    fields.put("node", checkpoint.getNode());
    fields.put("path", checkpoint.getPath());
    fields.put("step", checkpoint.getStep());
    fields.put("trained_through", checkpoint.getTrainedThrough());
    if (checkpoint.getRestored()) {
      fields.put("rejected", checkpoint.getRejectedList());
      console.accept("  peer " + checkpoint.getPeer() + " resumed from " + checkpoint.getPath()
          + " (step " + checkpoint.getStep() + ")");
      checkpoint.getRejectedList().forEach(r -> console.accept("  unusable checkpoint " + r));
    }
    run.event(checkpoint.getRestored() ? "checkpoint-restored" : "checkpoint", fields);
  }

  private void onReport(PeerReport report) {
    if (!report.getRunId().equals(settings.runId())) {
      return;
    }
    PeerResults.Kind kind = results.add(report);
    if (kind != PeerResults.Kind.TOLD_AGAIN) {
      run.metrics(report);
    }
    switch (kind) {
      case TEACHER -> onTeacherTraining(report);
      case EPOCH_END -> {
        printCompletedEpochs();
        maybeExport();
      }
      case TOLD_AGAIN -> maybeExport();
      case STEP -> { }
    }
  }

  private void onValidation(ValidationPredictions chunk) {
    if (chunk.getRunId().equals(settings.runId())) {
      evaluation.accept(chunk, livePeers()).ifPresent(metrics -> recordCohortMetrics(chunk.getEpoch(), metrics));
    }
  }

  private List<String> livePeers() {
    return peerNames().stream().filter(p -> !failover.isDead(p)).toList();
  }

  private void recordCohortMetrics(int epoch, CohortMetrics metrics) {
    run.cohortMetrics(epoch, metrics);
    results.cohortLine(epoch, String.format(Locale.ROOT,
            "%5d  %-14s ensemble val_acc %.4f; agreement %.4f, KL %.4f between peers (mean over pairs)",
            epoch, "(cohort)", metrics.ensembleAccuracy(), metrics.meanAgreement(), metrics.meanKl()))
        .forEach(console);
  }

  private void onTeacherTraining(PeerReport report) {
    if (!report.getEpochEnd()) {
      return;
    }
    console.accept(EpochTable.row("T" + report.getEpoch(), report));
    if (report.getFrozen()) {
      teacherFrozen = true;
      run.event("teacher-frozen", Map.of("peer", report.getPeer(), "val_accuracy", report.getValAccuracy()));
      console.accept("KD teacher " + report.getPeer() + " is frozen after " + report.getEpoch()
          + " epochs of its own; its students start");
      startStudents();
    }
  }

  /** Prints each epoch's rows once every live peer has reported it. */
  private void printCompletedEpochs() {
    results.completedRows(livePeers()).forEach(console);
  }


  private boolean isFinished(String peer) {
    return results.isFinished(peer);
  }

  /** A peer that failed by itself (an error, not its node) is not restarted: it would fail again. */
  private void onFailed(PeerFailed failed) {
    if (!failed.getRunId().equals(settings.runId())) {
      return;
    }
    if (phase == Phase.WAITING_FOR_NODES || phase == Phase.WAITING_FOR_PEERS) {
      finish(false, failed.getReason());
    } else {
      failover.failed(failed.getPeer(), failed.getReason());
    }
  }

  /**
   * A node cannot be reached: its peers may be dead or training on behind a partition, so none is
   * restarted before the split-brain resolver downs the node; the students linked with them stop
   * waiting for them by themselves meanwhile.
   */
  private void nodeUnreachable(String address) {
    if (phase == Phase.TRAINING || phase == Phase.EXPORTING) {
      hostedOn(address).stream().filter(peers::containsKey).forEach(peer -> failover.unreachable(peer, address));
    }
  }

  /** The node is back before it was downed: its peers train on where they are, and hear of the others again. */
  private void nodeReachable(String address) {
    hostedOn(address).forEach(failover::reachableAgain);
    reannounce(address);
    maybeExport();
  }

  private List<String> hostedOn(String address) {
    return peerNames().stream().filter(p -> address.equals(nodes.nodeOfPeer(p))).toList();
  }

  /** What the failover decisions do to the run. */
  private final class FailoverRuntime implements Failover.Runtime {
    @Override
    public boolean place(String peer, long rejoinAt) {
      return Coordinator.this.place(peer, true, rejoinAt);
    }

    @Override
    public void startRestartTimer(String peer, int restart) {
      timers.startSingleTimer("restart-" + peer, new RestartTimeout(peer, restart), settings.cluster().startupTimeout());
    }

    @Override
    public void cancelRestartTimer(String peer) {
      timers.cancel("restart-" + peer);
    }

    @Override
    public long rejoinBatch(String peer) {
      return isFinished(peer) ? -1
          : results.position(p -> !p.equals(peer) && !failover.isDead(p) && !failover.isRestarting(p));
    }

    @Override
    public boolean selfInMinority() {
      return nodes.selfInMinority();
    }

    @Override
    public boolean unreachableNotDown(String peer) {
      return nodes.unreachableNotDown(peer);
    }

    @Override
    public String nodeOf(String peer) {
      return nodes.nodeOfPeer(peer);
    }

    @Override
    public void lost(String peer, String reason) {
      run.event("peer-lost", Map.of("peer", peer, "reason", reason, "node", nodes.nodeOfPeer(peer)));
      if (phase == Phase.EXPORTING && peer.equals(exportingPeer)) {
        timers.cancel(Timeout.EXPORT);
        phase = Phase.TRAINING; // chosen again once every live peer is back and finished
        exportingPeer = null;
      }
    }

    @Override
    public void givenUp(String peer) {
      printCompletedEpochs();
      for (int epoch : List.copyOf(evaluation.pendingEpochs())) {
        evaluation.completed(epoch, livePeers()).ifPresent(metrics -> recordCohortMetrics(epoch, metrics));
      }
      maybeExport();
    }

    @Override
    public void event(String name, Map<String, Object> fields) {
      run.event(name, fields);
    }
  }

  /** Once every live peer has finished, asks the one with the best validation accuracy to export. */
  private void maybeExport() {
    if (phase != Phase.TRAINING || recoveringPeers() || !failover.settled()) {
      return;
    }
    List<String> live = livePeers();
    if (live.isEmpty()) {
      finish(false, "every peer was lost: " + failover.dead());
      return;
    }
    if (!live.stream().allMatch(p -> isFinished(p) && peers.containsKey(p))) {
      return;
    }
    String best = results.best(live);
    exportingPeer = best;
    phase = Phase.EXPORTING;
    Path directory = settings.runPath().resolve("best");
    run.event("best-peer-chosen", Map.of("peer", best, "metric", "val_accuracy",
        "val_accuracy", results.epochEnd(best).getValAccuracy()));
    console.accept(String.format(Locale.ROOT, "best peer on the validation split: %s (val_acc %.4f); exporting",
        best, results.epochEnd(best).getValAccuracy()));
    peers.get(best).tell(
        PeerInbox.newBuilder()
            .setExport(ExportModel.newBuilder().setRunId(settings.runId()).setDirectory(directory.toString()))
            .build());
    timers.startSingleTimer(Timeout.EXPORT, settings.cluster().exportTimeout());
  }

  private void onExported(ModelExported exported) {
    if (phase != Phase.EXPORTING || !exported.getPeer().equals(exportingPeer)) {
      return;
    }
    timers.cancel(Timeout.EXPORT);
    PeerReport last = results.epochEnd(exportingPeer);
    Path cardFile = Path.of(exported.getModelPath()).resolveSibling("model-card.json");
    try {
      CardFacts.card(settings,
              new CardFacts.Measured(exported.getPeer(), Path.of(exported.getModelPath()), exported.getArchitecture(),
                  exported.getParameterCount(), exported.getInputShapeList(), "val_accuracy", last.getValAccuracy(),
                  last.getValLoss(), exported.getTestAccuracy(), exported.getTestLoss(), exported.getTestExamples(), null),
              cardFile, exported.getClasses(), CardFacts.standardization(settings))
          .write(cardFile);
    } catch (IOException | java.io.UncheckedIOException e) {
      finish(false, "cannot write the model card " + cardFile + ": " + e.getMessage());
      return;
    }
    run.event("model-exported", Map.of("peer", exported.getPeer(), "model", exported.getModelPath(),
        "test_accuracy", exported.getTestAccuracy()));
    console.accept(String.format(Locale.ROOT,
        "exported %s (%s, %,d parameters): val_acc %.4f, test_acc %.4f on %d test examples",
        exported.getPeer(), exported.getArchitecture(), exported.getParameterCount(),
        last.getValAccuracy(), exported.getTestAccuracy(), exported.getTestExamples()));
    console.accept("  model: " + exported.getModelPath());
    console.accept("  card:  " + cardFile);
    finishWith(
        RunFinished.newBuilder()
            .setRunId(settings.runId())
            .setSuccess(true)
            .setMessage("run " + settings.runId() + " finished")
            .setBestPeer(exported.getPeer())
            .setModelPath(exported.getModelPath())
            .setTestAccuracy(exported.getTestAccuracy())
            .build());
  }

  private Behavior<Command> onStartupTimeout() {
    if (phase == Phase.WAITING_FOR_NODES) {
      finish(false, String.format(Locale.ROOT, "only %d of %d nodes joined within %s",
          nodes.available().size(), settings.cluster().nodes(), settings.cluster().startupTimeout()));
    } else if (phase == Phase.WAITING_FOR_PEERS) {
      List<String> missing = peerNames().stream().filter(p -> !peers.containsKey(p)).toList();
      finish(false, "peers " + missing + " did not register within " + settings.cluster().startupTimeout());
    }
    return phase == Phase.DONE ? Behaviors.stopped() : this;
  }

  private Behavior<Command> onExportTimeout() {
    if (phase == Phase.EXPORTING) {
      finish(false, "the best peer " + exportingPeer + " did not export within " + settings.cluster().exportTimeout());
    }
    return phase == Phase.DONE ? Behaviors.stopped() : this;
  }

  private void finish(boolean success, String message) {
    finishWith(RunFinished.newBuilder().setRunId(settings.runId()).setSuccess(success).setMessage(message).build());
  }

  /** Records the outcome, stops the peers and tells every node. */
  private void finishWith(RunFinished outcome) {
    phase = Phase.DONE;
    run.event("run-finished", Map.of("success", outcome.getSuccess(), "message", outcome.getMessage()));
    if (!outcome.getSuccess()) {
      console.accept("run failed: " + outcome.getMessage());
    }
    try {
      console.accept("report: " + RunReport.write(settings) + " (plots: accuracy.png, loss.png)");
    } catch (IOException | RuntimeException e) {
      console.accept("cannot write the run's report: " + e.getMessage() + " (cohort report " + settings.runPath() + " retries)");
    }
    PeerInbox stop =
        PeerInbox.newBuilder()
            .setStop(StopTraining.newBuilder().setRunId(settings.runId()).setReason(outcome.getMessage()))
            .build();
    peers.values().forEach(peer -> peer.tell(stop));
    HostInbox finished = HostInbox.newBuilder().setRunFinished(outcome).build();
    nodes.hosts().forEach(host -> host.tell(finished));
    onFinished.accept(outcome);
  }

  private Behavior<Command> closeRun() {
    MemberStatus status = Cluster.get(getContext().getSystem()).selfMember().status();
    if (phase != Phase.DONE && status != MemberStatus.up() && status != MemberStatus.weaklyUp()) {
      // This node is leaving: the singleton moves to another node, which takes the run over.
      run.event("coordinator-handed-over", Map.of("node", selfAddress.toString()));
    } else if (phase != Phase.DONE) {
      finish(false, "the coordinator stopped before the run ended (see its log)");
    }
    try {
      run.close();
    } catch (IOException e) {
      getContext().getLog().warn("cannot close the run files in {}: {}", run.root(), e.getMessage());
    }
    return this;
  }
}
