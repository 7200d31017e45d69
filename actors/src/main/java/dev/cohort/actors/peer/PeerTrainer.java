package dev.cohort.actors.peer;

import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.WireInbox;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.data.RunData;
import dev.cohort.model.BatchSchedule;
import dev.cohort.model.Checkpoints;
import dev.cohort.model.DistillationLoss;
import dev.cohort.model.FeatureBuffers;
import dev.cohort.model.PeerNetwork;
import dev.cohort.model.Shards;
import dev.cohort.model.SoftTargets;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.ExportModel;
import dev.cohort.protocol.PeerAddress;
import dev.cohort.protocol.PeerFailed;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerJoined;
import dev.cohort.protocol.PeerProgress;
import dev.cohort.protocol.PeerReport;
import dev.cohort.protocol.ProbabilityCodec;
import dev.cohort.protocol.SoftPredictions;
import dev.cohort.protocol.StartTraining;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One peer of the cohort: its network, its place in the batch schedule, and the exchange with
 * its teachers and students along the topology's links. All ND4J work runs in this actor, on its
 * pinned thread.
 *
 * <p>A step is one training step of the network, with one forward pass: between its forward and
 * its backward pass, with the logits of batch b at hand, the peer sends softmax(z/T) to every
 * student, waits (blocking its own thread) for every teacher's predictions for b, and the backward
 * pass uses {@code [one-hot | weighted average of the teachers]}. Both waits are bounded by
 * {@code max-wait}: a teacher that has not answered by then is skipped for that step (logged and
 * counted in the next report), and a teacher more than {@code window} batches ahead of a student
 * that does not catch up goes on anyway, so a slow peer never stops another; a peer whose node is
 * unreachable is not waited for while it is ({@link LinkReachability}), and a peer that is gone
 * (stopped, or its node left the cluster) is dropped for good. Predictions and departures
 * ({@link PeerWatch}) reach the trainer through {@link InboundPredictions}, not its mailbox, so it
 * can take them while it waits; other messages (a stop) are handled after the step, at most
 * max-wait later.
 *
 * <p>In codistillation each peer trains on its own shard and never waits for predictions: at step t
 * it also computes predictions for each student's batch of step t + d and sends them, and at its
 * own step s it uses what has arrived for s (at most d steps stale), nothing before the burn-in.
 * Staleness is bounded as in stale-synchronous training: after the burn-in a peer does not start
 * step s before every teacher has trained through s − d (bounded by max-wait), so a faster peer
 * waits for a slower one instead of drifting beyond the reach of its predictions.
 *
 * <p>A KD teacher (the kd preset's first peer) first trains alone for {@code kd.teacher-epochs}
 * without sending anything, then is frozen: it no longer trains and serves its students' batches
 * in lock-step for {@code training.epochs}.
 *
 * <p>Every epoch it evaluates on the validation split, checkpoints atomically and reports. When
 * done it waits for the coordinator: it may be asked to export itself. Any failure is reported to
 * the coordinator as {@link PeerFailed} before the actor stops.
 */
public final class PeerTrainer extends AbstractBehavior<PeerTrainer.Command> {

  /** Everything the trainer handles; local only, wire messages arrive wrapped. */
  public interface Command extends NoSerializationVerificationNeeded {}

  private record FromWire(PeerInbox message) implements Command {}

  /** A wire message for the trainer's mailbox (predictions take {@link InboundPredictions}). */
  static Command fromWire(PeerInbox message) {
    return new FromWire(message);
  }

  private enum NextStep implements Command {
    INSTANCE
  }

  private enum PredictionsArrived implements Command {
    INSTANCE
  }

  private record ThrottleExpired(long batchId) implements Command {}

  private record CoordinatorListing(Receptionist.Listing listing) implements Command {}

  /** While throttled: a look whether a student the peer waits on has become unreachable. */
  private enum ReachabilityCheck implements Command {
    INSTANCE
  }

  private final PeerSetup setup;
  private final CohortSettings settings;
  private final String name;
  private final TimerScheduler<Command> timers;
  private final PeerMessages messages;
  private final RunData data;
  private final PeerNetwork network;
  /** The step's batch and the batches predicted ahead, refilled rather than allocated (FeatureBuffers). */
  private final FeatureBuffers stepInput = new FeatureBuffers();
  private final FeatureBuffers aheadInput = new FeatureBuffers();
  private final Checkpoints checkpoints;
  private final CheckpointFence fence;
  private final CoordinatorLink coordinator;
  private final BatchSchedule schedule;
  private final Exchange exchange;
  private final boolean codistillation;
  private final Map<String, BatchSchedule> studentSchedules = new HashMap<>();
  private final Map<String, ActorRef<PeerInbox>> peers = new HashMap<>();
  private final ReportWindow window = new ReportWindow();
  private final ReportWindow epochWindow = new ReportWindow();
  private final InboundPredictions inbound = new InboundPredictions();
  private final ChunkAssembly chunks = new ChunkAssembly();
  private final org.apache.pekko.actor.CoordinatedShutdown shuttingDown;
  private final LinkReachability reachable;
  private final ActorRef<PeerWatch.Command> watch;

  /** How often a waiting peer looks whether its node is shutting down or a peer it waits for is unreachable. */
  private static final long WAIT_SLICE_NANOS = 100_000_000L;
  /** The progress a finished peer reports: past every batch. */
  private static final long FINISHED = Long.MAX_VALUE;

  private boolean training;
  private boolean finished;
  private boolean pretraining;
  private boolean frozen;
  private int epoch;
  private int batchIndex;
  private long step;
  private Batch current;
  private final StepGate gate;
  private long trainedThrough = -1;
  private boolean resumed;
  private boolean primedAhead;

  /** The batch in flight: its id in the schedule, its rows and their features. */
  private record Batch(long id, int[] rows, INDArray features, int[] labels) {}

  public static Behavior<Command> create(PeerSetup setup) {
    return create(setup, null);
  }

  /** @param reachability which nodes are unreachable; null: the cluster's failure detector */
  static Behavior<Command> create(PeerSetup setup, Reachability reachability) {
    return Behaviors.setup(
        context -> {
          RunData data;
          PeerNetwork network;
          Optional<Checkpoints.Restored> restored = Optional.empty();
          CheckpointFence fence = new CheckpointFence(checkpoints(setup).folder());
          try {
            PeerDevices.apply(setup.start());
            data = setup.data().get(setup.settings().data());
            network = PeerModels.network(setup.spec(), data, setup.settings());
            if (setup.start().resume()) {
              restored = checkpoints(setup).latest(network.architecture(), setup.settings().training().engine());
            }
            fence.claim(); // from now on an earlier copy of this peer, if one still runs, saves nothing
          } catch (RuntimeException | IOException e) {
            reportFailure(context, setup.coordinator(), setup, "cannot start: " + e.getMessage(), e);
            return Behaviors.stopped();
          }
          Optional<Checkpoints.Restored> from = restored;
          Reachability nodes = reachability != null ? reachability : Reachability.of(context.getSystem());
          return Behaviors.withTimers(timers -> new PeerTrainer(
              context, timers, setup, data, from.map(Checkpoints.Restored::network).orElse(network), from, nodes,
              fence));
        });
  }

  private static Checkpoints checkpoints(PeerSetup setup) {
    return new Checkpoints(setup.settings().runPath().resolve("checkpoints").resolve(setup.spec().name()));
  }

  private PeerTrainer(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      PeerSetup setup,
      RunData data,
      PeerNetwork network,
      Optional<Checkpoints.Restored> restored,
      Reachability reachability,
      CheckpointFence fence) {
    super(context);
    this.fence = fence;
    this.setup = setup;
    this.coordinator = new CoordinatorLink(setup.coordinator());
    this.checkpoints = checkpoints(setup);
    this.settings = setup.settings();
    this.name = setup.spec().name();
    this.timers = timers;
    this.data = data;
    this.network = network;
    this.exchange = new Exchange(name, settings.distillation().topology(), settings.distillation().teacherWeighting());
    this.codistillation = settings.distillation().isCodistillation();
    this.gate = new StepGate(codistillation, settings.distillation().codistill().burnInSteps(),
        codistillation ? settings.distillation().codistill().lookahead() : settings.distillation().window());
    if (codistillation) {
      // Each peer trains on its own shard; a teacher knows its students' shards and schedules.
      this.schedule = shardSchedule(name);
      exchange.students().forEach(student -> studentSchedules.put(student, shardSchedule(student)));
    } else {
      this.schedule =
          new BatchSchedule(data.train().size(), settings.training().batchSize(), settings.training().seed());
    }
    this.messages = new PeerMessages(setup, data.train().classes());
    this.shuttingDown = org.apache.pekko.actor.CoordinatedShutdown.get(context.getSystem());
    this.reachable = new LinkReachability(name, reachability, context.getLog());
    ActorRef<PeerInbox> inbox =
        context.spawn(PeerWire.create(context.getSelf(), inbound, PredictionsArrived.INSTANCE), WireInbox.NAME);
    this.watch = context.spawn(PeerWatch.create(inbound, context.getSelf(), PredictionsArrived.INSTANCE), "watch");
    if (setup.start().resume()) {
      resumeFrom(restored);
    }
    var receptionist = context.getSystem().receptionist();
    receptionist.tell(Receptionist.register(ServiceKeys.peers(settings.runId()), inbox));
    receptionist.tell(Receptionist.subscribe(ServiceKeys.coordinator(settings.runId()),
        context.messageAdapter(Receptionist.Listing.class, CoordinatorListing::new)));
  }

  /**
   * Continues where the checkpoint left off, or (failover) at the batch its cohort has reached:
   * the batches in between are skipped, so the returning peer is in step with its teachers at once.
   */
  private void resumeFrom(Optional<Checkpoints.Restored> restored) {
    Checkpoints.State state =
        Resumption.resume(restored.map(Checkpoints.Restored::state), setup.start().rejoinAtBatch(), schedule.batchesPerEpoch());
    pretraining = state.pretraining();
    frozen = state.frozen();
    epoch = state.epoch();
    batchIndex = state.batchIndex();
    step = state.step();
    trainedThrough = state.trainedThrough();
    exchange.startAt(schedule.batchId(epoch, batchIndex));
    resumed = true;
    restored.ifPresentOrElse(
        r -> {
          getContext().getLog().info("peer {} resumes from {} (step {}) at epoch {}, batch {}; rejected: {}",
              name, r.model(), r.state().step(), epoch + 1, batchIndex, r.rejected());
          coordinator.tell(messages.checkpointed(r.model(), r.state(), true, r.rejected()));
        },
        () -> getContext().getLog().warn("peer {} has no checkpoint yet: it restarts from its initial weights", name));
  }

  private BatchSchedule shardSchedule(String peer) {
    List<String> names = settings.distillation().topology().peers();
    int[] shard = Shards.of(data.train().size(), names.size(), names.indexOf(peer), settings.data().seed());
    return new BatchSchedule(shard, settings.training().batchSize(), settings.training().seed());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FromWire.class, guarded(this::onWire))
        .onMessage(NextStep.class, guarded(next -> onNextStep()))
        .onMessage(PredictionsArrived.class, guarded(arrived -> onPredictionsArrived()))
        .onMessage(ThrottleExpired.class, guarded(this::onThrottleExpired))
        .onMessage(CoordinatorListing.class, guarded(this::onCoordinatorListing))
        .onMessage(ReachabilityCheck.class, guarded(check -> onReachabilityCheck()))
        .build();
  }

  /** Whatever a handler throws is reported to the coordinator as this peer's failure. */
  private <M extends Command> org.apache.pekko.japi.function.Function<M, Behavior<Command>> guarded(
      org.apache.pekko.japi.function.Function<M, Behavior<Command>> handler) {
    return message -> {
      try {
        return handler.apply(message);
      } catch (CheckpointFence.Superseded e) {
        getContext().getLog().warn(e.getMessage());
        return Behaviors.stopped();
      } catch (Exception e) {
        return fail(e.getMessage() != null ? e.getMessage() : e.toString(), e);
      }
    };
  }

  private Behavior<Command> onWire(FromWire wire) throws IOException {
    PeerInbox message = wire.message();
    switch (message.getMessageCase()) {
      case PREDICTIONS -> {
        accept(message.getPredictions());
        resumeIfUnthrottled();
      }
      case PROGRESS -> onProgress(message.getProgress());
      case START -> onStart(message.getStart());
      case EXPORT -> onExport(message.getExport());
      case JOINED -> onJoined(message.getJoined());
      case STOP -> {
        getContext().getLog().info("peer {} stops: {}", name, message.getStop().getReason());
        return Behaviors.stopped();
      }
      default -> getContext().getLog().warn("peer {} ignores an empty message", name);
    }
    return this;
  }

  private void onStart(StartTraining start) throws IOException {
    if (training || finished) {
      return;
    }
    Set<String> listed = new java.util.HashSet<>();
    for (PeerAddress peer : start.getPeersList()) {
      listed.add(peer.getName());
      if (exchange.isLinked(peer.getName()) && !peer.getName().equals(name)) {
        link(peer.getName(), peer.getRef());
      }
    }
    // A linked peer the coordinator does not list is gone: do not wait for it.
    List.copyOf(exchange.teachers()).stream().filter(p -> !listed.contains(p)).forEach(exchange::remove);
    List.copyOf(exchange.students()).stream().filter(p -> !listed.contains(p)).forEach(exchange::remove);
    training = true;
    window.restart();
    epochWindow.restart();
    if (!resumed) {
      pretraining = settings.distillation().frozenTeacher().filter(name::equals).isPresent();
    }
    getContext().getLog().info("peer {} starts {}; teachers {}, students {}", name,
        pretraining ? "its training as the KD teacher" : "training", exchange.teachers(), exchange.students());
    beginStep();
  }

  private void link(String peer, String serializedRef) {
    ActorRef<PeerInbox> ref = ActorRefResolver.get(getContext().getSystem()).resolveActorRef(serializedRef);
    peers.put(peer, ref);
    watch.tell(new PeerWatch.Watch(peer, ref));
  }

  /** A linked peer is back (restarted from its checkpoint on some node): take it back. */
  private void onJoined(PeerJoined joined) throws IOException {
    String peer = joined.getPeer().getName();
    if (!joined.getRunId().equals(settings.runId()) || !exchange.isLinked(peer)) {
      return;
    }
    if (finished) {
      // Restarted after this peer finished: it must not wait for predictions that never come.
      link(peer, joined.getPeer().getRef());
      sendProgress(FINISHED, List.of(peer));
      return;
    }
    exchange.rejoin(peer, joined.getRejoinAtBatch());
    link(peer, joined.getPeer().getRef());
    // What this peer sent it while it was away (a partition, a restart) is lost: without hearing
    // how far this peer has got, it would wait max-wait at every batch in between.
    if (trainedThrough >= 0) {
      sendProgress(trainedThrough, List.of(peer));
    }
    getContext().getLog().info("peer {}: {} is back at batch {}; teachers {}, students {}",
        name, peer, joined.getRejoinAtBatch(), exchange.teachers(), exchange.students());
    resumeIfUnthrottled();
  }

  /**
   * The coordinator is a cluster singleton: when its node is lost it starts again elsewhere. A new
   * one hears this peer's epoch results again, as it may have missed them while it moved.
   */
  private Behavior<Command> onCoordinatorListing(CoordinatorListing listing) {
    if (coordinator.listed(listing.listing().getServiceInstances(ServiceKeys.coordinator(settings.runId())))) {
      getContext().getLog().info("peer {} reports to the coordinator at {} from now on", name, coordinator.current().path());
    }
    return this;
  }

  private Behavior<Command> onNextStep() throws IOException {
    beginStep();
    return this;
  }

  private void beginStep() throws IOException {
    if (finished) {
      return;
    }
    if (!pretraining && epoch >= settings.training().epochs()) {
      finishResumed();
      return;
    }
    if (batchIndex == schedule.batchesPerEpoch()) {
      endEpoch();
      if (finished) {
        return;
      }
    }
    long id = schedule.batchId(epoch, batchIndex);
    reachable.refresh(peers, exchange);
    StepGate.Verdict verdict = gate.check(id, pretraining, reachable.inMinority(),
        () -> !exchange.studentsBehind(id, gate.window()).isEmpty(), System.nanoTime());
    if (verdict.cancelReachabilityCheck()) {
      timers.cancel(ReachabilityCheck.class);
    }
    switch (verdict.kind()) {
      case PAUSE -> {
        checkReachability(); // until it sees a majority again
        return;
      }
      case THROTTLE -> {
        if (verdict.armThrottle()) {
          timers.startSingleTimer(ThrottleExpired.class, new ThrottleExpired(id), settings.distillation().maxWait());
          checkReachability();
        }
        return; // resumed by a student's progress, by its node found unreachable, or by the bound
      }
      case GO -> {
        if (verdict.waitedNanos() >= 0) {
          timers.cancel(ThrottleExpired.class);
          timers.cancel(ReachabilityCheck.class);
          addWait(verdict.waitedNanos());
        }
      }
    }
    int[] rows = schedule.batch(epoch, batchIndex);
    int[] labels = data.train().labels(rows);
    current = new Batch(id, rows, stepInput.of(data.train(), rows), labels);
    if (frozen) {
      serveFrozen(labels);
      return;
    }
    if (codistillation) {
      sendLookaheadPredictions(id);
    } else if (settings.distillation().lookahead() > 0) {
      sendAhead(id);
    }
    network.distillationWeight(settings.distillation().lambdaAt(step));
    PeerNetwork.Step trained = network.train(current.features(), labels, this::fillTarget);
    step++;
    finishStep(trained.logitValues(), trained.labelValues(), labels);
  }

  /**
   * A frozen KD teacher does not train: one inference pass for its students, its figures on the
   * batch for the report.
   */
  private void serveFrozen(int[] labels) throws IOException {
    int classes = data.train().classes();
    float[] logits = network.logitValues(current.features());
    float[] softened = SoftTargets.soften(logits, classes, settings.distillation().temperature());
    sendPredictions(current.id(), labels.length, softened);
    finishStep(logits, SoftTargets.labelValues(labels, takeTarget(labels.length * classes, softened), classes), labels);
  }

  /**
   * The middle of a training step, between its forward and its backward pass: with the step's
   * logits at hand, send the softened predictions to the students, wait for the teachers' (in
   * lock-step; at most max-wait), and return the target. One forward pass serves both the
   * exchange and the update.
   */
  private float[] fillTarget(float[] z, int rows, int classes) {
    Divergence.checkLogits(z, step, learningRate());
    boolean needsSoftened = !exchange.students().isEmpty() || exchange.usesOwnPredictions()
        || exchange.weighsPerExample();
    float[] softened = null;
    if (needsSoftened) {
      softened = SoftTargets.soften(z, classes, settings.distillation().temperature());
    }
    if (!codistillation && settings.distillation().lookahead() == 0 && !pretraining && !exchange.students().isEmpty()) {
      sendPredictions(current.id(), rows, softened);
    }
    drainInbound();
    if (!codistillation) {
      awaitTeachers(current.id());
    }
    return takeTarget(rows * classes, softened);
  }

  /**
   * Blocks this peer's thread until every teacher has answered for {@code batchId} (or is past
   * it), or max-wait has passed: then the missing teachers are skipped for this step, logged and
   * counted. Only predictions are taken meanwhile; other messages wait in the mailbox.
   */
  private void awaitTeachers(long batchId) {
    if (exchange.complete(batchId)) {
      return;
    }
    long started = System.nanoTime();
    long deadline = started + settings.distillation().maxWait().toNanos();
    try {
      while (!exchange.complete(batchId)) {
        InboundPredictions.Arrival next = inbound.poll(Math.min(deadline - System.nanoTime(), WAIT_SLICE_NANOS));
        if (next == null && shuttingDown.getShutdownReason().isPresent()) {
          break; // the node is going down: let the stop in the mailbox through
        }
        if (next == null && System.nanoTime() - deadline < 0) {
          reachable.refresh(peers, exchange); // a teacher's node found unreachable: stop waiting for it
          continue;
        }
        if (next == null) {
          Set<String> missing = exchange.missing(batchId);
          getContext().getLog().warn(
              "peer {}: no predictions from {} for batch {} within {} ms; training with {} of {} teachers",
              name, missing, batchId, settings.distillation().maxWait().toMillis(),
              exchange.teachers().size() - missing.size(), exchange.teachers().size());
          window.addTimeouts(missing.size());
          epochWindow.addTimeouts(missing.size());
          break;
        }
        take(next);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("peer " + name + " was interrupted while waiting for its teachers", e);
    } finally {
      addWait(System.nanoTime() - started);
    }
  }

  private void checkReachability() {
    timers.startTimerWithFixedDelay(ReachabilityCheck.class, ReachabilityCheck.INSTANCE,
        java.time.Duration.ofNanos(WAIT_SLICE_NANOS));
  }

  /** To every student, in the encoding of its link (each encoding computed once). */
  private void sendPredictions(long batchId, int rows, float[] softened) {
    Map<ProbabilityCodec.Format, List<PeerInbox>> encoded = new HashMap<>();
    for (String student : exchange.students()) {
      encoded.computeIfAbsent(messages.formatFor(student), format -> predictions(batchId, rows, softened, format))
          .forEach(peers.get(student)::tell);
    }
  }

  /**
   * Codistillation: predictions of this model (at step t) on each student's own batch of step
   * t + d, so they are there before the student needs them; none that would land in the burn-in.
   */
  private void sendLookaheadPredictions(long stepNow) {
    long target = stepNow + settings.distillation().codistill().lookahead();
    if (target < settings.distillation().codistill().burnInSteps()) {
      return;
    }
    for (String student : exchange.students()) {
      BatchSchedule theirs = studentSchedules.get(student);
      if (target >= (long) settings.training().epochs() * theirs.batchesPerEpoch()) {
        // Past the student's last step: nothing to predict, but it still needs to hear how far
        // this peer has got, or its staleness bound would hold it back.
        sendProgress(stepNow - 1, List.of(student));
        continue;
      }
      int[] rows = theirs.batchAtStep(target);
      float[] softened = SoftTargets.soften(network.logitValues(aheadInput.of(data.train(), rows)),
          data.train().classes(), settings.distillation().temperature());
      predictions(target, rows.length, softened, messages.formatFor(student)).forEach(peers.get(student)::tell);
    }
  }

  /**
   * Lock-step with lookahead d: at step t, predictions for the batch of step t + d, from an
   * inference pass of the model as it is now (on the first step after a start, also for the
   * batches from t on, which nobody has predicted yet). None past the last step.
   */
  private void sendAhead(long id) {
    if (pretraining || exchange.students().isEmpty()) {
      return;
    }
    int d = settings.distillation().lookahead();
    long end = (long) settings.training().epochs() * schedule.batchesPerEpoch();
    for (long target = primedAhead ? id + d : id; target <= id + d && target < end; target++) {
      int[] rows = schedule.batchAtStep(target);
      float[] softened = SoftTargets.soften(network.logitValues(aheadInput.of(data.train(), rows)),
          data.train().classes(), settings.distillation().temperature());
      sendPredictions(target, rows.length, softened);
    }
    primedAhead = true;
  }

  /** A frozen model's predictions are as current as can be: their model step is their batch. */
  private List<PeerInbox> predictions(long batchId, int rows, float[] softened, ProbabilityCodec.Format format) {
    long started = System.nanoTime();
    List<PeerInbox> batch =
        messages.predictions(batchId, frozen ? batchId : step, rows, softened, format, exchange.ownAccuracy());
    addCodec(System.nanoTime() - started, batch.stream().mapToInt(m -> m.getPredictions().getSerializedSize()).sum());
    return batch;
  }

  /** Predictions arrived while this peer was between steps (or before it started). */
  private Behavior<Command> onPredictionsArrived() throws IOException {
    drainInbound();
    resumeIfUnthrottled();
    return this;
  }

  private void drainInbound() {
    for (InboundPredictions.Arrival next = inbound.poll(); next != null; next = inbound.poll()) {
      take(next);
    }
  }

  private void take(InboundPredictions.Arrival arrival) {
    if (arrival instanceof InboundPredictions.Predictions predictions) {
      accept(predictions.message());
    } else if (arrival instanceof InboundPredictions.Departure departure) {
      departed(departure.peer(), departure.ref());
    }
  }

  /** Keeps a teacher's predictions for the step that will use them, after checking what they are. */
  private void accept(SoftPredictions predictions) {
    String from = predictions.getFromPeer();
    long batchId = predictions.getBatchId();
    if (!predictions.getRunId().equals(settings.runId()) || !exchange.teachers().contains(from)) {
      if (predictions.getRunId().equals(settings.runId()) && exchange.isLinkedTeacher(from)) {
        return; // a returning teacher, before this peer has heard that it is back
      }
      getContext().getLog().warn("peer {} ignores predictions from {} of run {}: not one of its teachers {}",
          name, from, predictions.getRunId(), exchange.teachers());
      return;
    }
    exchange.seen(from, batchId);
    // Late or not, it was computed at the sender's model step: the sender, as a student of this
    // peer, has trained through the batch before (a peer back from a partition catches up this way).
    exchange.progressOf(from, predictions.getModelStep() - 1);
    if (finished || !exchange.isCurrentOrAhead(batchId)) {
      return; // late (that step is taken), or implausibly far ahead
    }
    int classes = data.train().classes();
    if (predictions.getClasses() != classes
        || Math.abs(predictions.getTemperature() - settings.distillation().temperature()) > 1e-6) {
      getContext().getLog().warn("peer {} ignores predictions of {}: {} classes at T={}, expected {} at T={}",
          name, from, predictions.getClasses(), predictions.getTemperature(), classes,
          settings.distillation().temperature());
      return;
    }
    long staleness = batchId - predictions.getModelStep();
    if (codistillation && staleness > settings.distillation().codistill().lookahead()) {
      getContext().getLog().warn("peer {} ignores predictions of {} for batch {}: {} steps stale, more than d = {}",
          name, from, batchId, staleness, settings.distillation().codistill().lookahead());
      return;
    }
    long started = System.nanoTime();
    float[] rows;
    try {
      rows = ProbabilityCodec.decode(predictions);
    } catch (IllegalArgumentException e) {
      // Never into a target: one NaN there would make this peer's weights NaN too.
      getContext().getLog().warn("peer {} rejects the predictions of {} for batch {}: {}", name, from, batchId,
          e.getMessage());
      exchange.rejected(from, batchId);
      return;
    }
    addCodec(System.nanoTime() - started, 0);
    if (predictions.getBatchRows() > 0) {
      rows = chunks.add(predictions, rows);
      if (rows == null) {
        return; // more of this batch to come
      }
    }
    // Kept even before this peer's own start arrives: a teacher may have started first.
    exchange.predictionsFrom(from, batchId, predictions.getModelStep(), rows,
        predictions.hasValidationAccuracy() ? predictions.getValidationAccuracy() : Double.NaN);
  }

  private void onProgress(PeerProgress progress) throws IOException {
    if (progress.getTrainedThrough() == FINISHED) {
      // Its last predictions came through the wire inbox before this notice: take them first.
      drainInbound();
      exchange.finished(progress.getPeer());
    } else {
      drainInbound(); // as above: a teacher's predictions for the batches it has passed come first
      exchange.trainedThrough(progress.getPeer(), progress.getTrainedThrough());
    }
    resumeIfUnthrottled();
  }

  private void resumeIfUnthrottled() throws IOException {
    if (gate.throttled() && exchange.studentsBehind(schedule.batchId(epoch, batchIndex), gate.window()).isEmpty()) {
      beginStep();
    }
  }

  /** A throttled peer goes on as soon as the students it waits on are found unreachable. */
  private Behavior<Command> onReachabilityCheck() throws IOException {
    if (gate.paused()) {
      if (!reachable.inMinority()) {
        beginStep();
      }
      return this;
    }
    if (reachable.refresh(peers, exchange)) {
      resumeIfUnthrottled();
    }
    return this;
  }

  private Behavior<Command> onThrottleExpired(ThrottleExpired expired) throws IOException {
    if (!gate.throttled()) {
      return this;
    }
    List<String> behind = exchange.studentsBehind(expired.batchId(), gate.window());
    getContext().getLog().warn("peer {}: {} stayed more than {} batches behind for {} ms; going on",
        name, behind, gate.window(), settings.distillation().maxWait().toMillis());
    gate.boundPassed(expired.batchId());
    beginStep();
    return this;
  }

  /**
   * A peer that stopped, or whose node left or was downed, is neither waited for nor waited on
   * again: the others go on with the links that remain instead of paying max-wait each step (a
   * step waiting for it ends at once).
   */
  private void departed(String peer, ActorRef<PeerInbox> ref) {
    if (finished || !ref.equals(peers.get(peer)) || !exchange.remove(peer)) {
      return; // finished, an earlier incarnation of a peer that is back, or not linked
    }
    peers.remove(peer);
    getContext().getLog().warn("peer {}: {} is gone; teachers now {}, students {}",
        name, peer, exchange.teachers(), exchange.students());
  }

  private void addWait(long nanos) {
    window.addWait(nanos);
    epochWindow.addWait(nanos);
  }

  private void addCodec(long nanos, int bytesSent) {
    window.addCodec(nanos, bytesSent);
    epochWindow.addCodec(nanos, bytesSent);
  }

  /** The bookkeeping after a step: figures, checkpoint, progress to one-way teachers, report. */
  /** @param logits and {@code labelMatrix} row-major: rows × classes, rows × 2·classes */
  private void finishStep(float[] logits, float[] labelMatrix, int[] labels) throws IOException {
    int rows = labels.length;
    int classes = data.train().classes();
    DistillationLoss.Parts parts = network.loss().parts(logits, labelMatrix, rows, classes);
    Divergence.check(parts, step, learningRate());
    batchIndex++;
    trainedThrough = current.id();
    chunks.forgetThrough(trainedThrough);
    if (!frozen && settings.training().checkpointEvery() > 0 && step % settings.training().checkpointEvery() == 0
        && batchIndex < schedule.batchesPerEpoch()) {
      checkpoint(); // the epoch's last step checkpoints at the epoch's end, after evaluating
    }
    int correct = PeerNetwork.correct(logits, labels, classes);
    window.addStep(parts, correct, rows);
    epochWindow.addStep(parts, correct, rows);
    sendProgress(current.id(), exchange.oneWayTeachers());
    if ((current.id() + 1) % settings.training().reportEvery() == 0) {
      report(PeerReport.newBuilder());
    }
    getContext().getSelf().tell(NextStep.INSTANCE);
  }

  /** This step's target; in codistillation none before the burn-in, and late teachers counted. */
  private float[] takeTarget(int length, float[] ownSoftened) {
    if (codistillation && current.id() < settings.distillation().codistill().burnInSteps()) {
      exchange.skip(current.id());
      return new float[length];
    }
    Exchange.Target target = exchange.takeTarget(current.id(), ownSoftened, length, current.labels());
    window.addStaleness(target.stalenessSum(), target.teachersUsed(), target.maxStaleness());
    epochWindow.addStaleness(target.stalenessSum(), target.teachersUsed(), target.maxStaleness());
    if (codistillation) {
      int late = exchange.teachers().size() - target.teachersUsed();
      window.addTimeouts(late);
      epochWindow.addTimeouts(late);
    }
    return target.values();
  }

  /**
   * Tells {@code recipients} how far this peer has trained. Teachers that are not also students
   * hear of its progress only this way (the others read it from its predictions).
   */
  private void sendProgress(long trainedThrough, java.util.Collection<String> recipients) {
    if (recipients.isEmpty()) {
      return;
    }
    PeerInbox progress = messages.progress(trainedThrough);
    recipients.forEach(peer -> peers.get(peer).tell(progress));
  }

  private void endEpoch() throws IOException {
    PeerNetwork.Evaluation validation = network.evaluate(data.validation());
    exchange.evaluated(validation.accuracy());
    epoch++;
    batchIndex = 0;
    boolean freezesNow = pretraining && epoch == settings.distillation().teacherEpochs();
    if (!frozen) {
      if (freezesNow) {
        // As it will be after this epoch: frozen, its students' epochs starting from the first batch.
        checkpoint(new Checkpoints.State(step, -1, 0, 0, false, true));
      } else {
        checkpoint();
      }
    }
    getContext().getLog().info("peer {} finished {}epoch {}: validation accuracy {}", name,
        pretraining ? "its own training " : "", epoch, String.format("%.4f", validation.accuracy()));
    PeerReport.Builder report =
        PeerReport.newBuilder()
            .setEpochEnd(true)
            .setValAccuracy(validation.accuracy())
            .setValLoss(validation.crossEntropy());
    if (pretraining) {
      if (epoch == settings.distillation().teacherEpochs()) {
        // Frozen from here on; the students' epochs start from the first batch.
        frozen = true;
        report.setFrozen(true);
      }
      report(report.setPretraining(true));
      if (frozen) {
        pretraining = false;
        epoch = 0;
      }
      return;
    }
    finished = epoch == settings.training().epochs();
    // The probabilities first: when the last report of an epoch arrives, its cohort metrics can too.
    sendValidationPredictions(validation);
    report(report.setFinished(finished).setFrozen(frozen));
    if (finished) {
      releaseLinkedPeers();
    }
  }

  /** A finished peer holds nobody back any more: it tells every linked peer so. */
  private void releaseLinkedPeers() {
    java.util.Set<String> linked = new java.util.TreeSet<>(exchange.teachers());
    linked.addAll(exchange.students());
    sendProgress(FINISHED, linked);
  }

  /** Resumed from the checkpoint of its last epoch: it has nothing left to train, and says so. */
  private void finishResumed() {
    PeerNetwork.Evaluation validation = network.evaluate(data.validation());
    finished = true;
    report(PeerReport.newBuilder().setEpochEnd(true).setFinished(true).setFrozen(frozen)
        .setValAccuracy(validation.accuracy()).setValLoss(validation.crossEntropy()));
    releaseLinkedPeers();
  }

  /** The probabilities behind the coordinator's cohort metrics. */
  private void sendValidationPredictions(PeerNetwork.Evaluation validation) {
    messages.validation(epoch, validation.probabilities(), data.validation()).forEach(coordinator::tell);
  }

  private void checkpoint() throws IOException {
    checkpoint(new Checkpoints.State(step, trainedThrough, epoch, batchIndex, pretraining, frozen));
  }

  /** Writes a checkpoint atomically (model, updater state, position) and tells the coordinator. */
  private void checkpoint(Checkpoints.State state) throws IOException {
    if (!network.isFinite()) {
      throw Divergence.diverged(step, "non-finite weights", learningRate()); // the last good one stays
    }
    if (!fence.held()) {
      throw new CheckpointFence.Superseded(name);
    }
    Path model = checkpoints.write(network, state);
    coordinator.tell(messages.checkpointed(model, state, false, List.of()));
  }

  private double learningRate() {
    return setup.spec().learningRate(settings.training().learningRate());
  }

  private void report(PeerReport.Builder report) {
    // The epoch a mid-epoch report belongs to is the one in progress; an epoch-end report's is
    // the one just completed, and its figures cover that whole epoch.
    int reportedEpoch = report.getEpochEnd() ? epoch : epoch + 1;
    ReportWindow covered = window;
    if (report.getEpochEnd()) {
      window.drainInto(PeerReport.newBuilder());
      covered = epochWindow;
    }
    report.setTrainedThrough(trainedThrough).setRestarts(setup.start().restarts())
        .setStepsPerEpoch(schedule.batchesPerEpoch());
    CoordinatorInbox message = messages.report(covered.drainInto(report), reportedEpoch, step, network);
    if (report.getEpochEnd()) {
      coordinator.tellEpochResult(message);
    } else {
      coordinator.tell(message);
    }
  }

  private void onExport(ExportModel export) throws IOException {
    Path file = Path.of(export.getDirectory()).resolve("model.zip");
    network.save(file);
    PeerNetwork.Evaluation test = network.evaluate(data.test());
    getContext().getLog().info("peer {} exported to {}; test accuracy {}", name, file,
        String.format("%.4f", test.accuracy()));
    coordinator.tell(messages.exported(file, test, network));
  }

  private Behavior<Command> fail(String reason, Throwable cause) {
    reportFailure(getContext(), coordinator.current(), setup, reason, cause);
    return Behaviors.stopped();
  }

  private static void reportFailure(
      ActorContext<Command> context, ActorRef<CoordinatorInbox> coordinator, PeerSetup setup, String reason, Throwable cause) {
    // WARN, not ERROR: the coordinator prints the failure as the run's event; the trace is for the log file.
    context.getLog().warn("peer {} failed: {}", setup.spec().name(), reason, cause);
    coordinator.tell(PeerMessages.failed(setup, reason));
  }
}
