package dev.cohort.actors.peer;

import dev.cohort.actors.Reachability;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.data.RunData;
import dev.cohort.model.data.BatchSchedule;
import dev.cohort.model.data.FeatureBuffers;
import dev.cohort.model.data.Shards;
import dev.cohort.model.distill.DistillationLoss;
import dev.cohort.model.distill.StepTarget;
import dev.cohort.model.nn.Checkpoints;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.PeerJoined;
import dev.cohort.protocol.PeerProgress;
import dev.cohort.protocol.PeerReport;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * A peer's course from step to step: whether the next step may start ({@link StepGate}), the step
 * itself in its mode ({@link StepMode}, or {@link FrozenTeacher}), the bookkeeping after it, and
 * each epoch's end (evaluation, checkpoint, report; a KD teacher's freezing; the finish, after which
 * it holds nobody back). It owns what a step works with, made once from the peer's setup: its
 * batch schedule (the whole training split in lock-step, its own shard in codistillation), where it
 * starts (a checkpoint's position, or the batch a failover rejoins at), the peer's
 * {@link Softening}, the exchange along its links, the mode of its steps and its
 * {@link ExampleSelection}. Plain Java on the
 * peer's thread; the trainer actor owns the timers and the next-step messages, which it arms and
 * sends as {@link Host} asks.
 */
final class StepLoop {

  /** What the loop asks of the actor around it. */
  interface Host {
    /** Go on with the next step after the messages already waiting. */
    void nextStep();

    /** The bound of a throttle on {@code batchId}: {@link #throttleExpired} after max-wait. */
    void armThrottle(long batchId);

    void cancelThrottle();

    /** {@link #reachabilityCheck} at short intervals, until cancelled. */
    void checkReachability();

    void cancelReachabilityCheck();

    /** Watch {@code ref}, the current incarnation of a linked peer: its departure reaches the {@link #intake()}. */
    void watch(String peer, ActorRef<PeerInbox> ref);

    /** Whether this node is going down: a wait for teachers ends, to let the stop through. */
    boolean shuttingDown();
  }

  private final String name;
  private final CohortSettings settings;
  private final RunData data;
  private final PeerNetwork network;
  private final BatchSchedule schedule;
  private final Position position;
  private final Softening softening;
  private final Exchange exchange;
  private final StepFigures figures;
  private final Links links;
  private final PredictionIntake intake;
  private final LinkReachability reachable;
  private final StepGate gate;
  private final StepMode mode;
  private final FrozenTeacher frozenTeacher;
  private final ExampleSelection selection;
  private final PeerRecords records;
  private final EpochEnds epochEnds;
  private final Host host;
  private final Logger log;
  private final FeatureBuffers stepInput = new FeatureBuffers();
  /** The step in progress: its batch and the classes of its rows. */
  private long currentId;
  private int[] currentLabels;

  StepLoop(PeerSetup setup, PeerTrainer.Loaded loaded, CoordinatorLink coordinator, Reachability reachability,
      Host host, Logger log) {
    this.name = setup.spec().name();
    this.settings = setup.settings();
    this.data = loaded.data();
    this.network = loaded.network();
    this.host = host;
    this.log = log;
    var distillation = settings.distillation();
    boolean codistillation = distillation.isCodistillation();
    int classes = data.train().classes();
    this.schedule = codistillation ? shardSchedule(name)
        : new BatchSchedule(data.train().size(), settings.training().batchSize(), settings.training().seed());
    this.position = new Position(setup.start().resume()
        ? Resumption.resume(loaded.restored().map(Checkpoints.Restored::state), setup.start().rejoinAtBatch(),
            schedule.batchesPerEpoch())
        : Resumption.START, settings.training().epochs(), distillation.teacherEpochs());
    this.softening = new Softening(settings, name, classes);
    this.exchange = new Exchange(name, distillation.topology(), distillation.teacherWeighting());
    this.figures = new StepFigures();
    PeerMessages messages = new PeerMessages(setup, classes);
    this.links = new Links(name, exchange, softening, messages, figures,
        distillation.oneMessagePerNode() && sharesBatchesWithFixedStudents(distillation.preset()), host::watch, log);
    this.intake = new PredictionIntake(name, settings.runId(), softening,
        codistillation ? distillation.codistill().lookahead() : Long.MAX_VALUE, exchange, links, figures,
        position::finished, log);
    this.reachable = new LinkReachability(name, reachability, log);
    this.gate = new StepGate(codistillation, distillation.codistill().burnInSteps(),
        codistillation ? distillation.codistill().lookahead() : distillation.window());
    this.mode = codistillation ? codistillation() : lockStep();
    this.frozenTeacher = new FrozenTeacher(network, exchange, links, figures, softening);
    this.records = new PeerRecords(setup, loaded, messages, coordinator, figures, schedule.batchesPerEpoch());
    this.selection = new ExampleSelection(name, distillation, position, network, data, schedule, log);
    this.epochEnds = new EpochEnds(name, network, data, exchange, position, records, links, log);
    if (setup.start().resume()) {
      exchange.startAt(schedule.batchId(position.epoch(), position.batchIndex()));
      records.resumed(loaded.restored(), position, log);
    }
  }

  /**
   * Whether a teacher's students all take the batch it takes, and stay its students: where a
   * message per node can serve several (not codistillation's shards, random-k's redrawn students,
   * nor node-ensemble, which sends aggregates of its own).
   */
  private static boolean sharesBatchesWithFixedStudents(CohortSettings.TopologyPreset preset) {
    return switch (preset) {
      case CODISTILL, RANDOM_K, NODE_ENSEMBLE -> false;
      default -> true;
    };
  }

  private StepMode lockStep() {
    TeacherWait wait = new TeacherWait(name, exchange, intake, settings.distillation().maxWait(), host::shuttingDown,
        () -> reachable.refresh(links.addresses(), exchange), figures, log);
    Outbox outbox = settings.distillation().preset() == CohortSettings.TopologyPreset.NODE_ENSEMBLE
        ? new NodeEnsemble(name, exchange, links, wait) : links;
    return new LockStep(exchange, outbox, intake, wait, figures, settings.distillation().lookahead(), schedule,
        (long) settings.training().epochs() * schedule.batchesPerEpoch(), predictor(), position);
  }

  private StepMode codistillation() {
    Map<String, BatchSchedule> studentSchedules = new HashMap<>();
    exchange.students().forEach(student -> studentSchedules.put(student, shardSchedule(student)));
    var codistill = settings.distillation().codistill();
    return new Codistillation(exchange, links, intake, figures, studentSchedules, codistill.burnInSteps(),
        codistill.lookahead(), settings.training().epochs(), predictor(), position);
  }

  /** softmax(z / T) of the model as it is now on some training rows: what is sent ahead of a step. */
  private StepMode.Predictor predictor() {
    FeatureBuffers aheadInput = new FeatureBuffers();
    return rows -> softening.soften(network.logitValues(aheadInput.of(data.train(), rows)));
  }

  private BatchSchedule shardSchedule(String peer) {
    List<String> names = settings.distillation().topology().peers();
    int[] shard = Shards.of(data.train().size(), names.size(), names.indexOf(peer), settings.data().seed());
    return new BatchSchedule(shard, settings.training().batchSize(), settings.training().seed());
  }

  /** Where the peer's wire inbox and its watch put what arrives past the mailbox. */
  PredictionIntake intake() {
    return intake;
  }

  /** The inboxes of the linked peers on this node (any thread): where the wire inbox passes a node's aggregate on. */
  List<ActorRef<PeerInbox>> localInboxes() {
    return links.localInboxes();
  }

  /** The peer's records: its reports, checkpoints and export. */
  PeerRecords records() {
    return records;
  }

  /**
   * Starts (or, after a checkpoint, resumes) training with the peers the coordinator lists; a
   * linked peer it does not list is gone, and not waited for.
   */
  void start(Map<String, ActorRef<PeerInbox>> listed, boolean resumed) throws IOException {
    listed.forEach((peer, ref) -> {
      if (exchange.isLinked(peer) && !peer.equals(name)) {
        links.link(peer, ref);
      }
    });
    List.copyOf(exchange.teachers()).stream().filter(p -> !listed.containsKey(p)).forEach(exchange::remove);
    List.copyOf(exchange.students()).stream().filter(p -> !listed.containsKey(p)).forEach(exchange::remove);
    figures.restart();
    if (!resumed && settings.distillation().frozenTeacher().filter(name::equals).isPresent()) {
      position.startAsKdTeacher();
    }
    log.info("peer {} starts {}; teachers {}, students {}", name,
        position.pretraining() ? "its training as the KD teacher" : "training", exchange.teachers(),
        exchange.students());
    begin();
  }

  /** The next step, if it may start now; else the gate's verdict is acted on. */
  void begin() throws IOException {
    if (position.finished()) {
      return;
    }
    if (position.pastLastEpoch()) {
      epochEnds.finishResumed();
      return;
    }
    if (position.batchIndex() == schedule.batchesPerEpoch()) {
      epochEnds.end();
      if (position.finished()) {
        return;
      }
    }
    long id = schedule.batchId(position.epoch(), position.batchIndex());
    if (gatePasses(id)) {
      step(id);
    }
  }

  private boolean gatePasses(long id) {
    reachable.refresh(links.addresses(), exchange);
    StepGate.Verdict verdict = gate.check(id, position.pretraining(), reachable.inMinority(),
        () -> !exchange.studentsBehind(id, gate.window()).isEmpty(), System.nanoTime());
    if (verdict.cancelReachabilityCheck()) {
      host.cancelReachabilityCheck();
    }
    switch (verdict.kind()) {
      case PAUSE -> host.checkReachability(); // until it sees a majority again
      case THROTTLE -> {
        if (verdict.armThrottle()) { // resumed by a student's progress, its node found unreachable, or the bound
          host.armThrottle(id);
          host.checkReachability();
        }
      }
      case GO -> {
        if (verdict.waitedNanos() >= 0) {
          host.cancelThrottle();
          host.cancelReachabilityCheck();
          figures.addWait(verdict.waitedNanos());
        }
        return true;
      }
    }
    return false;
  }

  private void step(long id) throws IOException {
    int[] rows = schedule.batch(position.epoch(), position.batchIndex());
    int[] labels = data.train().labels(rows);
    currentId = id;
    currentLabels = labels;
    if (position.frozen()) {
      FrozenTeacher.Served served = frozenTeacher.serve(id, stepInput.of(data.train(), rows), labels);
      finishStep(served.logits(), served.labelMatrix(), labels, labels.length);
      return;
    }
    mode.beforeStep(id);
    selection.beforeStep();
    network.distillationWeight(settings.distillation().lambdaAt(position.step()));
    network.learningRate(records.learningRate()
        * (position.pretraining() ? 1 : settings.training().learningRateFactor(position.epoch())));
    PeerNetwork.Step trained = network.train(stepInput.of(data.train(), rows), labels, this::fillTarget);
    position.stepTaken();
    finishStep(trained.logitValues(), trained.labelValues(), labels, trained.target().keptRows(labels.length));
  }

  /**
   * The middle of a training step, between its forward and its backward pass: with the step's
   * logits at hand, the mode sends, waits and returns the target. One forward pass serves both the
   * exchange and the update.
   */
  private StepTarget fillTarget(float[] z, int rows, int classes) {
    Divergence.checkLogits(z, position.step(), records.learningRate());
    boolean needsSoftened = !exchange.students().isEmpty() || exchange.usesOwnPredictions()
        || exchange.weighsPerExample();
    float[] softened = needsSoftened ? softening.soften(z) : null;
    Exchange.Target target = mode.target(currentId, currentLabels, classes, softened);
    return selection.apply(target, z, currentLabels, classes, settings.distillation().lambdaAt(position.step()));
  }

  /**
   * The bookkeeping after a step: figures, checkpoint, progress to the teachers that do not hear
   * it from this peer's predictions, report.
   */
  private void finishStep(float[] logits, float[] labelMatrix, int[] labels, int keptRows) throws IOException {
    int rows = labels.length;
    int classes = data.train().classes();
    DistillationLoss.Parts loss = network.loss().parts(logits, labelMatrix, rows, classes);
    Divergence.check(loss, position.step(), records.learningRate());
    position.trainedThrough(currentId);
    intake.forgetThrough(currentId);
    int checkpointEvery = settings.training().checkpointEvery();
    if (!position.frozen() && checkpointEvery > 0 && position.step() % checkpointEvery == 0
        && position.batchIndex() < schedule.batchesPerEpoch()) {
      records.checkpoint(position.state()); // the epoch's last step checkpoints at the epoch's end, after evaluating
    }
    figures.addStep(loss, PeerNetwork.correct(logits, labels, classes), rows, keptRows);
    links.progress(currentId, exchange.progressRecipients(currentId, settings.distillation().window()));
    if ((currentId + 1) % settings.training().reportEvery() == 0) {
      records.report(PeerReport.newBuilder(), position);
    }
    host.nextStep();
  }

  /** Predictions arrived while this peer was between steps (or before it started). */
  void predictionsArrived() throws IOException {
    intake.drain();
    resumeIfUnthrottled();
  }

  /** A throttled peer goes on as soon as no student it waits on is too far behind. */
  void resumeIfUnthrottled() throws IOException {
    if (gate.throttled()
        && exchange.studentsBehind(schedule.batchId(position.epoch(), position.batchIndex()), gate.window()).isEmpty()) {
      begin();
    }
  }

  /** How far a linked peer has trained, or that it has finished. */
  void progress(PeerProgress progress) throws IOException {
    // Its predictions for the batches it has passed came through the wire inbox first: take them first.
    intake.drain();
    if (progress.getTrainedThrough() == EpochEnds.FINISHED) {
      exchange.finished(progress.getPeer());
    } else {
      exchange.trainedThrough(progress.getPeer(), progress.getTrainedThrough());
    }
    resumeIfUnthrottled();
  }

  /** A linked peer is back (restarted from its checkpoint on some node, or from a partition): take it back. */
  void joined(PeerJoined joined, ActorRef<PeerInbox> ref) throws IOException {
    String peer = joined.getPeer().getName();
    long rejoinAtBatch = joined.getRejoinAtBatch();
    if (!joined.getRunId().equals(settings.runId()) || !exchange.isLinked(peer)) {
      return;
    }
    if (position.finished()) {
      // Restarted after this peer finished: it must not wait for predictions that never come.
      links.link(peer, ref);
      links.progress(EpochEnds.FINISHED, Set.of(peer));
      return;
    }
    exchange.rejoin(peer, rejoinAtBatch);
    links.link(peer, ref);
    // What this peer sent it while it was away is lost: without hearing how far this peer has
    // got, it would wait max-wait at every batch in between.
    if (position.trainedThrough() >= 0) {
      links.progress(position.trainedThrough(), Set.of(peer));
    }
    log.info("peer {}: {} is back at batch {}; teachers {}, students {}", name, peer, rejoinAtBatch,
        exchange.teachers(), exchange.students());
    resumeIfUnthrottled();
  }

  /**
   * While paused or throttled: a paused peer goes on once its node sees a majority again, a
   * throttled one as soon as the students it waits on are found unreachable.
   */
  void reachabilityCheck() throws IOException {
    if (gate.paused()) {
      if (!reachable.inMinority()) {
        begin();
      }
    } else if (reachable.refresh(links.addresses(), exchange)) {
      resumeIfUnthrottled();
    }
  }

  /** The throttle's bound has passed: the step goes on without the students that stayed behind. */
  void throttleExpired(long batchId) throws IOException {
    if (!gate.throttled()) {
      return;
    }
    log.warn("peer {}: {} stayed more than {} batches behind for {} ms; going on", name,
        exchange.studentsBehind(batchId, gate.window()), gate.window(), settings.distillation().maxWait().toMillis());
    gate.boundPassed(batchId);
    begin();
  }
}
