package dev.cohort.actors.coordinator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.WireInbox;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.model.CohortMetrics;
import dev.cohort.model.ModelCard;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.ExportModel;
import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.ModelExported;
import dev.cohort.protocol.PeerAddress;
import dev.cohort.protocol.PeerFailed;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.PlacePeer;
import dev.cohort.protocol.RunFinished;
import dev.cohort.protocol.StartTraining;
import dev.cohort.protocol.StopTraining;
import dev.cohort.protocol.ValidationPredictions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
import org.apache.pekko.cluster.typed.Cluster;

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

  private enum Timeout implements Command {
    STARTUP,
    EXPORT
  }

  private enum Phase {
    WAITING_FOR_NODES,
    WAITING_FOR_PEERS,
    TRAINING,
    EXPORTING,
    DONE
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final CohortSettings settings;
  private final Consumer<String> console;
  private final Consumer<RunFinished> onFinished;
  private final TimerScheduler<Command> timers;
  private final ActorRef<CoordinatorInbox> inbox;
  private final RunDirectory run;
  private final ActorRefResolver resolver;
  private final Address selfAddress;

  private Phase phase = Phase.WAITING_FOR_NODES;
  private List<ActorRef<HostInbox>> hosts = List.of();
  private final Map<String, ActorRef<PeerInbox>> peers = new LinkedHashMap<>();
  private final Map<String, PeerReport> lastEpochEnd = new HashMap<>();
  private final Set<String> dead = new TreeSet<>();
  private final EpochTable table;
  private final CohortEvaluation evaluation = new CohortEvaluation();
  private PeerInbox startMessage;
  private String exportingPeer;

  /**
   * @param console where the run's progress lines go
   * @param onFinished told the outcome once, as the nodes are
   */
  public static Behavior<Command> create(
      CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(timers -> new Coordinator(context, timers, settings, console, onFinished)));
  }

  private Coordinator(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      CohortSettings settings,
      Consumer<String> console,
      Consumer<RunFinished> onFinished) {
    super(context);
    this.settings = settings;
    this.table = new EpochTable(settings.peers().stream().map(PeerSpec::name).toList());
    this.console = console;
    this.onFinished = onFinished;
    this.timers = timers;
    this.run = new RunDirectory(settings.runPath());
    this.resolver = ActorRefResolver.get(context.getSystem());
    this.selfAddress = Cluster.get(context.getSystem()).selfMember().address();
    this.inbox =
        context.spawn(WireInbox.<CoordinatorInbox, Command>create(context.getSelf(), FromWire::new), WireInbox.NAME);
    var receptionist = context.getSystem().receptionist();
    ActorRef<Receptionist.Listing> listings =
        context.messageAdapter(Receptionist.Listing.class, ListingChanged::new);
    receptionist.tell(Receptionist.subscribe(ServiceKeys.HOSTS, listings));
    receptionist.tell(Receptionist.subscribe(ServiceKeys.peers(settings.runId()), listings));
    timers.startSingleTimer(Timeout.STARTUP, settings.cluster().startupTimeout());
    String topology = settings.distillation().preset().name().toLowerCase(Locale.ROOT).replace('_', '-');
    run.event("run-started", Map.of("run", settings.runId(), "peers", settings.peers().size(),
        "nodes", settings.cluster().nodes(), "topology", topology));
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
        .onSignal(PostStop.class, signal -> closeRun())
        .build();
  }

  private Behavior<Command> onListingChanged(ListingChanged changed) {
    if (changed.listing().isForKey(ServiceKeys.HOSTS)) {
      onHostsChanged(changed.listing().getServiceInstances(ServiceKeys.HOSTS));
    } else {
      onPeersChanged(changed.listing().getServiceInstances(ServiceKeys.peers(settings.runId())));
    }
    return this;
  }

  private void onHostsChanged(Set<ActorRef<HostInbox>> listed) {
    hosts = new ArrayList<>(listed);
    // This node first, then the others by address: a deterministic placement.
    hosts.sort(Comparator.comparing((ActorRef<HostInbox> h) -> !nodeOf(h).equals(selfAddress))
        .thenComparing(h -> nodeOf(h).toString()));
    if (phase == Phase.WAITING_FOR_NODES && hosts.size() >= settings.cluster().nodes()) {
      placePeers();
    }
  }

  private Address nodeOf(ActorRef<?> ref) {
    Address address = ref.path().address();
    return address.hasLocalScope() ? selfAddress : address;
  }

  private void placePeers() {
    List<ActorRef<HostInbox>> chosen = hosts.subList(0, settings.cluster().nodes());
    String rendered = settings.render();
    String coordinator = resolver.toSerializationFormat(inbox);
    List<PeerSpec> specs = settings.peers();
    for (int i = 0; i < specs.size(); i++) {
      ActorRef<HostInbox> host = chosen.get(i % chosen.size());
      String node = nodeOf(host).toString();
      host.tell(
          HostInbox.newBuilder()
              .setPlacePeer(
                  PlacePeer.newBuilder()
                      .setRunId(settings.runId())
                      .setPeer(specs.get(i).name())
                      .setPeerIndex(i)
                      .setCohortConfig(rendered)
                      .setCoordinator(coordinator))
              .build());
      run.event("peer-placed", Map.of("peer", specs.get(i).name(), "node", node));
      console.accept("  peer " + specs.get(i).name() + " " + specs.get(i).hidden() + " -> " + node);
    }
    phase = Phase.WAITING_FOR_PEERS;
  }

  private void onPeersChanged(Set<ActorRef<PeerInbox>> instances) {
    Map<String, ActorRef<PeerInbox>> listed = new HashMap<>();
    for (ActorRef<PeerInbox> ref : instances) {
      String name = ServiceKeys.peerName(ref.path().parent().name());
      if (name != null) {
        listed.put(name, ref);
      }
    }
    if (phase == Phase.WAITING_FOR_PEERS) {
      peers.putAll(listed);
      if (peers.keySet().containsAll(peerNames())) {
        startTraining();
      }
    } else if (phase == Phase.TRAINING || phase == Phase.EXPORTING) {
      for (String name : peerNames()) {
        if (!listed.containsKey(name) && !dead.contains(name) && !isFinished(name)) {
          peerLost(name, "left the cluster (its node stopped or became unreachable)");
        }
      }
    }
  }

  private List<String> peerNames() {
    return settings.peers().stream().map(PeerSpec::name).toList();
  }

  private void startTraining() {
    timers.cancel(Timeout.STARTUP);
    StartTraining.Builder start = StartTraining.newBuilder().setRunId(settings.runId());
    for (String name : peerNames()) {
      start.addPeers(
          PeerAddress.newBuilder().setName(name).setRef(resolver.toSerializationFormat(peers.get(name))));
    }
    startMessage = PeerInbox.newBuilder().setStart(start).build();
    phase = Phase.TRAINING;
    run.event("training-started", Map.of("peers", peerNames()));
    console.accept("all " + peers.size() + " peers registered; training starts");
    console.accept(EpochTable.header());
    Optional<String> teacher = settings.distillation().frozenTeacher();
    if (teacher.isPresent()) {
      // Classic KD: the teacher trains alone first; its students start once it is frozen.
      peers.get(teacher.get()).tell(startMessage);
    } else {
      startStudents();
    }
  }

  /** Starts every peer that is not a (frozen) KD teacher. */
  private void startStudents() {
    for (String name : peerNames()) {
      if (settings.distillation().frozenTeacher().filter(name::equals).isEmpty()) {
        peers.get(name).tell(startMessage);
      }
    }
  }

  private Behavior<Command> onWire(FromWire wire) {
    CoordinatorInbox message = wire.message();
    switch (message.getMessageCase()) {
      case REPORT -> onReport(message.getReport());
      case EXPORTED -> onExported(message.getExported());
      case FAILED -> onFailed(message.getFailed());
      case VALIDATION -> onValidation(message.getValidation());
      default -> getContext().getLog().warn("coordinator ignores an empty message");
    }
    return phase == Phase.DONE ? Behaviors.stopped() : this;
  }

  private void onReport(PeerReport report) {
    if (!report.getRunId().equals(settings.runId())) {
      return;
    }
    run.metrics(report);
    if (report.getPretraining()) {
      onTeacherTraining(report);
      return;
    }
    if (!report.getEpochEnd()) {
      return;
    }
    lastEpochEnd.put(report.getPeer(), report);
    table.add(report);
    printCompletedEpochs();
    maybeExport();
  }

  private void onValidation(ValidationPredictions chunk) {
    if (chunk.getRunId().equals(settings.runId())) {
      evaluation.accept(chunk, livePeers()).ifPresent(metrics -> recordCohortMetrics(chunk.getEpoch(), metrics));
    }
  }

  private List<String> livePeers() {
    return peerNames().stream().filter(p -> !dead.contains(p)).toList();
  }

  private void recordCohortMetrics(int epoch, CohortMetrics metrics) {
    run.cohortMetrics(epoch, metrics);
    table.cohortLine(epoch, String.format(Locale.ROOT,
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
      run.event("teacher-frozen", Map.of("peer", report.getPeer(), "val_accuracy", report.getValAccuracy()));
      console.accept("KD teacher " + report.getPeer() + " is frozen after " + report.getEpoch()
          + " epochs of its own; its students start");
      startStudents();
    }
  }

  /** Prints each epoch's rows once every live peer has reported it. */
  private void printCompletedEpochs() {
    table.completedRows(livePeers()).forEach(console);
  }


  private boolean isFinished(String peer) {
    PeerReport last = lastEpochEnd.get(peer);
    return last != null && last.getFinished();
  }

  private void onFailed(PeerFailed failed) {
    if (phase == Phase.WAITING_FOR_NODES || phase == Phase.WAITING_FOR_PEERS) {
      finish(false, failed.getReason());
    } else {
      peerLost(failed.getPeer(), failed.getReason());
    }
  }

  private void peerLost(String peer, String reason) {
    if (!dead.add(peer)) {
      return;
    }
    run.event("peer-lost", Map.of("peer", peer, "reason", reason));
    console.accept("peer " + peer + " lost: " + reason);
    if (phase == Phase.EXPORTING && peer.equals(exportingPeer)) {
      finish(false, "the best peer " + peer + " was lost while exporting: " + reason);
      return;
    }
    printCompletedEpochs();
    for (int epoch : List.copyOf(evaluation.pendingEpochs())) {
      evaluation.completed(epoch, livePeers()).ifPresent(metrics -> recordCohortMetrics(epoch, metrics));
    }
    maybeExport();
  }

  /** Once every live peer has finished, asks the one with the best validation accuracy to export. */
  private void maybeExport() {
    if (phase != Phase.TRAINING) {
      return;
    }
    List<String> live = livePeers();
    if (live.isEmpty()) {
      finish(false, "every peer was lost: " + dead);
      return;
    }
    if (!live.stream().allMatch(this::isFinished)) {
      return;
    }
    String best = null;
    for (String peer : live) {
      if (lastEpochEnd.get(peer).getFrozen()) {
        continue; // a frozen KD teacher is the baseline's given, not a result of this run
      }
      if (best == null || lastEpochEnd.get(peer).getValAccuracy() > lastEpochEnd.get(best).getValAccuracy()) {
        best = peer;
      }
    }
    exportingPeer = best;
    phase = Phase.EXPORTING;
    Path directory = settings.runPath().resolve("best");
    run.event("best-peer-chosen", Map.of("peer", best, "metric", "val_accuracy",
        "val_accuracy", lastEpochEnd.get(best).getValAccuracy()));
    console.accept(String.format(Locale.ROOT, "best peer on the validation split: %s (val_acc %.4f); exporting",
        best, lastEpochEnd.get(best).getValAccuracy()));
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
    PeerReport last = lastEpochEnd.get(exportingPeer);
    Path cardFile = Path.of(exported.getModelPath()).resolveSibling("model-card.json");
    try {
      new ModelCard(
              settings.runId(),
              exported.getPeer(),
              exported.getArchitecture(),
              exported.getParameterCount(),
              cardFile.getParent().relativize(Path.of(exported.getModelPath())).toString(),
              "val_accuracy",
              last.getValAccuracy(),
              exported.getTestAccuracy(),
              exported.getTestExamples(),
              Instant.now().toString(),
              JSON.readTree(settings.renderJson()))
          .write(cardFile);
    } catch (IOException e) {
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
          hosts.size(), settings.cluster().nodes(), settings.cluster().startupTimeout()));
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
    PeerInbox stop =
        PeerInbox.newBuilder()
            .setStop(StopTraining.newBuilder().setRunId(settings.runId()).setReason(outcome.getMessage()))
            .build();
    peers.values().forEach(peer -> peer.tell(stop));
    HostInbox finished = HostInbox.newBuilder().setRunFinished(outcome).build();
    hosts.forEach(host -> host.tell(finished));
    onFinished.accept(outcome);
  }

  private Behavior<Command> closeRun() {
    if (phase != Phase.DONE) {
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
