package dev.cohort.actors.node;

import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.WireInbox;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.coordinator.Coordinator;
import dev.cohort.actors.peer.PeerSetup;
import dev.cohort.actors.peer.PeerTrainer;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.PlacePeer;
import dev.cohort.protocol.RunFinished;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The root actor of every Cohort node. It offers the node to the cluster as a peer host (via the
 * Receptionist), creates the peers the coordinator places here, each on its own thread, and
 * completes {@code outcome} when the coordinator announces the end of the run. On the node that
 * launches a run it also starts the coordinator, as a cluster singleton on the coordinator role.
 */
public final class NodeGuardian extends AbstractBehavior<NodeGuardian.Command> {

  /** Everything the guardian handles; local only, wire messages arrive wrapped. */
  public interface Command extends NoSerializationVerificationNeeded {}

  private record FromWire(HostInbox message) implements Command {}

  /** What the launching node knows: the run to coordinate and where to print its progress. */
  public record Launch(
      CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished, boolean resume) {
    public Launch(CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished) {
      this(settings, console, onFinished, false);
    }
  }

  public static final String COORDINATOR_ROLE = "coordinator";
  public static final String TRAINER_DISPATCHER = "cohort-trainer-dispatcher";

  private final CompletableFuture<RunFinished> outcome;
  private final RunDataCache data;
  private final String node;
  /** The run in progress, as its coordinator announced it: what this node needs to take it over. */
  private final AtomicReference<CohortSettings> adopted = new AtomicReference<>();

  public static Behavior<Command> create(Optional<Launch> launch, CompletableFuture<RunFinished> outcome) {
    return create(launch, outcome, new RunDataCache());
  }

  /** @param data this node's datasets; the launcher passes the one it already loaded and checked */
  public static Behavior<Command> create(
      Optional<Launch> launch, CompletableFuture<RunFinished> outcome, RunDataCache data) {
    return Behaviors.setup(context -> new NodeGuardian(context, launch, outcome, data));
  }

  private NodeGuardian(
      ActorContext<Command> context,
      Optional<Launch> launch,
      CompletableFuture<RunFinished> outcome,
      RunDataCache data) {
    super(context);
    this.outcome = outcome;
    this.data = data;
    this.node = Cluster.get(context.getSystem()).selfMember().address().toString();
    ActorRef<HostInbox> inbox =
        context.spawn(WireInbox.<HostInbox, Command>create(context.getSelf(), FromWire::new), WireInbox.NAME);
    context.getSystem().receptionist().tell(Receptionist.register(ServiceKeys.HOSTS, inbox));
    // Every coordinator-eligible node runs the singleton's manager, so the coordinator moves to
    // the oldest remaining one when its node is lost; there it takes over the adopted run.
    Behavior<Coordinator.Command> coordinator =
        launch
            .map(l -> l.resume()
                ? Coordinator.resume(l.settings(), l.console(), l.onFinished())
                : Coordinator.create(l.settings(), l.console(), l.onFinished()))
            .orElseGet(() -> Behaviors.setup(c -> {
              CohortSettings run = adopted.get();
              if (run == null) {
                return Behaviors.<Coordinator.Command>empty();
              }
              return Coordinator.takeOver(run, line -> System.out.println(line), finished -> {});
            }));
    if (Cluster.get(context.getSystem()).selfMember().hasRole(COORDINATOR_ROLE)) {
      ClusterSingleton.get(context.getSystem())
          .init(
              SingletonActor.of(coordinator, "coordinator")
                  .withSettings(ClusterSingletonSettings.create(context.getSystem()).withRole(COORDINATOR_ROLE)));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(FromWire.class, this::onWire).build();
  }

  private Behavior<Command> onWire(FromWire wire) {
    switch (wire.message().getMessageCase()) {
      case PLACE_PEER -> placePeer(wire.message().getPlacePeer());
      case RUN_FINISHED -> outcome.complete(wire.message().getRunFinished());
      case ADOPT_RUN -> adopted.set(CohortSettings.fromRendered(wire.message().getAdoptRun().getCohortConfig()));
      default -> getContext().getLog().warn("ignoring an empty host message");
    }
    return this;
  }

  private void placePeer(PlacePeer place) {
    CohortSettings settings = CohortSettings.fromRendered(place.getCohortConfig());
    ActorRef<CoordinatorInbox> coordinator =
        ActorRefResolver.get(getContext().getSystem()).resolveActorRef(place.getCoordinator());
    PeerSetup.Start start =
        new PeerSetup.Start(
            place.getResume(), place.getRejoinAtBatch(), place.getRestarts(), place.getDevice(), place.getThreads());
    PeerSetup setup =
        new PeerSetup(settings, settings.peers().get(place.getPeerIndex()), coordinator, data, node, start);
    adopted.compareAndSet(null, settings);
    getContext()
        .spawn(
            PeerTrainer.create(setup),
            ServiceKeys.peerActorName(place.getPeer(), place.getRestarts()),
            DispatcherSelector.fromConfig(TRAINER_DISPATCHER));
    getContext().getLog().info("peer {} of run {} starts on this node{}", place.getPeer(), place.getRunId(),
        place.getResume() ? " from its latest checkpoint (restart " + place.getRestarts() + ")" : "");
  }
}
