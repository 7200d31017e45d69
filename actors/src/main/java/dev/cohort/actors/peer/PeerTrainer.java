package dev.cohort.actors.peer;

import dev.cohort.actors.Reachability;
import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.WireInbox;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.data.PeerModels;
import dev.cohort.actors.data.RunData;
import dev.cohort.model.nn.Checkpoints;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.PeerFailed;
import dev.cohort.protocol.PeerInbox;
import dev.cohort.protocol.StartTraining;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.CoordinatedShutdown;
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

/**
 * One peer of the cohort: its network, its place in the batch schedule, and the exchange with its
 * teachers and students along the topology's links. All ND4J work runs in this actor, on its pinned
 * thread. The actor owns the messages and the lifecycle; the course of the steps is
 * {@link StepLoop}'s, each step's exchange its {@link StepMode}'s.
 *
 * <p>A step is one training step with one forward pass: between the forward and the backward pass
 * the peer sends softmax(z/T) to its students and takes its teachers' predictions (in lock-step it
 * waits for them, at most {@code max-wait}; in codistillation it never waits). A teacher more than
 * {@code window} batches ahead of a student waits for it, at most max-wait, so a slow peer never
 * stops another; a peer whose node is unreachable is not waited for while it is, and a peer that is
 * gone is dropped for good. Predictions and departures ({@link PeerWatch}) reach the trainer
 * through its {@link PredictionIntake}, not its mailbox, so it can take them while it waits; other
 * messages (a stop) are handled after the step, at most max-wait later.
 *
 * <p>Every epoch it evaluates on the validation split, checkpoints atomically and reports. When
 * done it waits for the coordinator: it may be asked to export itself. Any failure is reported to
 * the coordinator as {@link PeerFailed} before the actor stops.
 */
public final class PeerTrainer extends AbstractBehavior<PeerTrainer.Command> {

  /** Everything the trainer handles; local only, wire messages arrive wrapped. */
  public interface Command extends NoSerializationVerificationNeeded {}

  private record FromWire(PeerInbox message) implements Command {}

  /** A wire message for the trainer's mailbox (predictions take the {@link PredictionIntake}). */
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

  /** While paused or throttled: a look whether the cluster around the peer has changed. */
  private enum ReachabilityCheck implements Command {
    INSTANCE
  }

  private final PeerSetup setup;
  private final CohortSettings settings;
  private final String name;
  private final CoordinatorLink coordinator;
  private final PeerRecords records;
  private final StepLoop loop;
  private final boolean resumed;
  private final CoordinatedShutdown shutdown;
  /** Spawned after the loop, whose intake it feeds; the loop asks for a watch only once training starts. */
  private ActorRef<PeerWatch.Command> watch;
  private boolean training;

  public static Behavior<Command> create(PeerSetup setup) {
    return create(setup, null);
  }

  /**
   * What a peer loads before its actor runs: the run's data, its network (from its latest good
   * checkpoint when it resumes), its checkpoint folder, the checkpoint it resumed from, and its
   * claim on the folder.
   */
  record Loaded(RunData data, PeerNetwork network, Checkpoints checkpoints, Optional<Checkpoints.Restored> restored,
      CheckpointFence fence) {}

  /** @param reachability which nodes are unreachable; null: the cluster's failure detector */
  static Behavior<Command> create(PeerSetup setup, Reachability reachability) {
    return Behaviors.setup(
        context -> {
          Loaded loaded;
          try {
            loaded = load(setup);
          } catch (RuntimeException | IOException | OutOfMemoryError | LinkageError e) {
            // OutOfMemoryError: a network too large for this heap; LinkageError: ND4J's native libraries
            reportFailure(context, setup.coordinator(), setup, "cannot start: " + e.getMessage(), e);
            return Behaviors.stopped();
          }
          Reachability nodes = reachability != null ? reachability : Reachability.of(context.getSystem());
          return Behaviors.withTimers(timers -> {
            try {
              return new PeerTrainer(context, timers, setup, loaded, nodes);
            } catch (RuntimeException e) { // e.g. a link's encoding that cannot carry one row of these classes
              reportFailure(context, setup.coordinator(), setup, "cannot start: " + e.getMessage(), e);
              return Behaviors.stopped();
            }
          });
        });
  }

  private static Loaded load(PeerSetup setup) throws IOException {
    Checkpoints checkpoints =
        new Checkpoints(setup.settings().runPath().resolve("checkpoints").resolve(setup.spec().name()));
    CheckpointFence fence = new CheckpointFence(checkpoints.folder());
    PeerDevices.apply(setup.start());
    RunData data = setup.data().get(setup.settings().data());
    PeerNetwork network = PeerModels.network(setup.spec(), data, setup.settings());
    Optional<Checkpoints.Restored> restored = setup.start().resume()
        ? checkpoints.latest(network.architecture(), setup.settings().training().engine())
        : Optional.empty();
    fence.claim(); // from now on an earlier copy of this peer, if one still runs, saves nothing
    return new Loaded(data, restored.map(Checkpoints.Restored::network).orElse(network), checkpoints, restored, fence);
  }

  private PeerTrainer(ActorContext<Command> context, TimerScheduler<Command> timers, PeerSetup setup, Loaded loaded,
      Reachability reachability) {
    super(context);
    this.setup = setup;
    this.settings = setup.settings();
    this.name = setup.spec().name();
    this.coordinator = new CoordinatorLink(setup.coordinator());
    this.shutdown = CoordinatedShutdown.get(context.getSystem());
    this.loop = new StepLoop(setup, loaded, coordinator, reachability, new TimerHost(timers, settings.distillation().maxWait()),
        context.getLog());
    this.records = loop.records();
    this.resumed = setup.start().resume();
    // Predictions and departures reach the loop's intake past this mailbox: the trainer may be
    // blocked inside a step, waiting for them.
    ActorRef<PeerInbox> inbox =
        context.spawn(PeerWire.create(name, context.getSelf(), loop.intake(), PredictionsArrived.INSTANCE,
            loop::localInboxes), WireInbox.NAME);
    this.watch = context.spawn(PeerWatch.create(loop.intake(), context.getSelf(), PredictionsArrived.INSTANCE), "watch");
    var receptionist = context.getSystem().receptionist();
    receptionist.tell(Receptionist.register(ServiceKeys.peers(settings.runId()), inbox));
    receptionist.tell(Receptionist.subscribe(ServiceKeys.coordinator(settings.runId()),
        context.messageAdapter(Receptionist.Listing.class, CoordinatorListing::new)));
  }

  /** The loop's timers and next steps, as messages to this actor. */
  private final class TimerHost implements StepLoop.Host {
    private final TimerScheduler<Command> timers;
    private final Duration maxWait;

    TimerHost(TimerScheduler<Command> timers, Duration maxWait) {
      this.timers = timers;
      this.maxWait = maxWait;
    }

    @Override
    public void nextStep() {
      getContext().getSelf().tell(NextStep.INSTANCE);
    }

    @Override
    public void armThrottle(long batchId) {
      timers.startSingleTimer(ThrottleExpired.class, new ThrottleExpired(batchId), maxWait);
    }

    @Override
    public void cancelThrottle() {
      timers.cancel(ThrottleExpired.class);
    }

    @Override
    public void checkReachability() {
      timers.startTimerWithFixedDelay(ReachabilityCheck.class, ReachabilityCheck.INSTANCE,
          Duration.ofNanos(TeacherWait.SLICE_NANOS));
    }

    @Override
    public void cancelReachabilityCheck() {
      timers.cancel(ReachabilityCheck.class);
    }

    @Override
    public void watch(String peer, ActorRef<PeerInbox> ref) {
      watch.tell(new PeerWatch.Watch(peer, ref));
    }

    @Override
    public boolean shuttingDown() {
      return shutdown.getShutdownReason().isPresent();
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FromWire.class, guarded(this::onWire))
        .onMessage(NextStep.class, guarded(next -> onLoop(loop::begin)))
        .onMessage(PredictionsArrived.class, guarded(arrived -> onLoop(loop::predictionsArrived)))
        .onMessage(ThrottleExpired.class, guarded(expired -> onLoop(() -> loop.throttleExpired(expired.batchId()))))
        .onMessage(CoordinatorListing.class, guarded(this::onCoordinatorListing))
        .onMessage(ReachabilityCheck.class, guarded(check -> onLoop(loop::reachabilityCheck)))
        .build();
  }

  private interface LoopCall {
    void run() throws IOException;
  }

  private Behavior<Command> onLoop(LoopCall call) throws IOException {
    call.run();
    return this;
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
      case PROGRESS -> loop.progress(message.getProgress());
      case START -> onStart(message.getStart());
      case EXPORT -> records.export(Path.of(message.getExport().getDirectory()), getContext().getLog());
      case JOINED -> loop.joined(message.getJoined(), resolve(message.getJoined().getPeer().getRef()));
      case STOP -> {
        getContext().getLog().info("peer {} stops: {}", name, message.getStop().getReason());
        return Behaviors.stopped();
      }
      default -> getContext().getLog().warn("peer {} ignores an empty message", name);
    }
    return this;
  }

  private void onStart(StartTraining start) throws IOException {
    if (training) {
      return;
    }
    Map<String, ActorRef<PeerInbox>> listed = new HashMap<>();
    start.getPeersList().forEach(peer -> listed.put(peer.getName(), resolve(peer.getRef())));
    training = true;
    loop.start(listed, resumed);
  }

  private ActorRef<PeerInbox> resolve(String serializedRef) {
    return ActorRefResolver.get(getContext().getSystem()).resolveActorRef(serializedRef);
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
