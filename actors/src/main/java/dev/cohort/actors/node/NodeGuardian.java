package dev.cohort.actors.node;

import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.WireInbox;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.coordinator.Coordinator;
import dev.cohort.actors.data.RunDataCache;
import dev.cohort.actors.peer.PeerSetup;
import dev.cohort.actors.peer.PeerTrainer;
import dev.cohort.protocol.AdoptRun;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.HostInbox;
import dev.cohort.protocol.PlacePeer;
import dev.cohort.protocol.RunFinished;
import dev.cohort.protocol.RunMode;
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
 * The root actor of every Cohort node. On a node with the trainer role it offers the node to the
 * cluster as a peer host (via the Receptionist) and creates the peers the coordinator places
 * here, each on its own thread; it completes {@code outcome} when the coordinator announces the
 * end of the run. Every node with the coordinator role runs the coordinator's cluster singleton
 * manager: on the launching node the singleton is the launched run's coordinator, elsewhere a
 * {@link CoordinatorStandby} that takes over the run this node has adopted (the run moves with the
 * singleton when the oldest node is lost). A launcher tells every host of its run, so a launcher
 * that joins an existing cluster hands its run to whichever node is the oldest.
 */
public final class NodeGuardian extends AbstractBehavior<NodeGuardian.Command> {

  /** Everything the guardian handles; local only, wire messages arrive wrapped. */
  public interface Command extends NoSerializationVerificationNeeded {}

  private record FromWire(HostInbox message) implements Command {}

  private record HostsListed(Receptionist.Listing listing) implements Command {}

  /** A run this node knows of, and how a coordinator starting here would begin it. */
  public record Adopted(CohortSettings settings, RunMode mode) {}

  /** What the launching node knows: the run to coordinate and where to print its progress. */
  public record Launch(
      CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished, boolean resume) {
    public Launch(CohortSettings settings, Consumer<String> console, Consumer<RunFinished> onFinished) {
      this(settings, console, onFinished, false);
    }
  }

  public static final String COORDINATOR_ROLE = "coordinator";
  public static final String TRAINER_ROLE = "trainer";
  public static final String TRAINER_DISPATCHER = "cohort-trainer-dispatcher";

  private final CompletableFuture<RunFinished> outcome;
  private final RunDataCache data;
  private final String node;
  /** The run in progress, as its coordinator announced it: what this node needs to take it over. */
  private final AtomicReference<Adopted> adopted = new AtomicReference<>();
  private final Optional<Launch> launch;
  private final java.util.Set<ActorRef<HostInbox>> told = new java.util.HashSet<>();

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
    this.launch = launch;
    this.outcome = outcome;
    this.data = data;
    this.node = Cluster.get(context.getSystem()).selfMember().address().toString();
    ActorRef<HostInbox> inbox =
        context.spawn(WireInbox.<HostInbox, Command>create(context.getSelf(), FromWire::new), WireInbox.NAME);
    Cluster cluster = Cluster.get(context.getSystem());
    if (cluster.selfMember().hasRole(TRAINER_ROLE)) {
      context.getSystem().receptionist().tell(Receptionist.register(ServiceKeys.HOSTS, inbox));
    }
    if (launch.isPresent()) {
      context.getSystem().receptionist().tell(Receptionist.register(ServiceKeys.LAUNCHERS, inbox));
      // Whichever node turns out to be the oldest runs the coordinator: every host hears of the run.
      context.getSystem().receptionist().tell(Receptionist.subscribe(ServiceKeys.HOSTS,
          context.messageAdapter(Receptionist.Listing.class, HostsListed::new)));
    }
    // Every coordinator-eligible node runs the singleton's manager, so the coordinator moves to
    // the oldest remaining one when its node is lost; there it takes over the adopted run.
    Behavior<Coordinator.Command> coordinator =
        launch
            .map(l -> l.resume()
                ? Coordinator.resume(l.settings(), l.console(), l.onFinished())
                : Coordinator.create(l.settings(), l.console(), l.onFinished()))
            .orElseGet(() -> CoordinatorStandby.create(adopted::get, line -> System.out.println(line), finished -> {}));
    if (cluster.selfMember().hasRole(COORDINATOR_ROLE)) {
      ClusterSingleton.get(context.getSystem())
          .init(
              SingletonActor.of(coordinator, "coordinator")
                  .withSettings(ClusterSingletonSettings.create(context.getSystem()).withRole(COORDINATOR_ROLE)));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FromWire.class, this::onWire)
        .onMessage(HostsListed.class, this::onHostsListed)
        .build();
  }

  private Behavior<Command> onHostsListed(HostsListed listed) {
    Launch l = launch.orElseThrow();
    HostInbox adopt =
        HostInbox.newBuilder()
            .setAdoptRun(AdoptRun.newBuilder()
                .setRunId(l.settings().runId())
                .setCohortConfig(l.settings().render())
                .setMode(l.resume() ? RunMode.RUN_MODE_RESUME : RunMode.RUN_MODE_FRESH))
            .build();
    for (ActorRef<HostInbox> host : listed.listing().getServiceInstances(ServiceKeys.HOSTS)) {
      if (told.add(host)) {
        host.tell(adopt);
      }
    }
    return this;
  }

  private Behavior<Command> onWire(FromWire wire) {
    switch (wire.message().getMessageCase()) {
      case PLACE_PEER -> placePeer(wire.message().getPlacePeer());
      case RUN_FINISHED -> outcome.complete(wire.message().getRunFinished());
      case ADOPT_RUN -> adopt(wire.message().getAdoptRun());
      default -> getContext().getLog().warn("ignoring an empty host message");
    }
    return this;
  }

  private void adopt(AdoptRun run) {
    adopted.updateAndGet(current -> CoordinatorStandby.supersedes(run, current)
        ? new Adopted(CohortSettings.fromRendered(run.getCohortConfig()), run.getMode())
        : current);
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
    adopted.compareAndSet(null, new Adopted(settings, RunMode.RUN_MODE_TAKE_OVER));
    getContext()
        .spawn(
            PeerTrainer.create(setup),
            ServiceKeys.peerActorName(place.getPeer(), place.getRestarts()),
            DispatcherSelector.fromConfig(TRAINER_DISPATCHER));
    getContext().getLog().info("peer {} of run {} starts on this node{}", place.getPeer(), place.getRunId(),
        place.getResume() ? " from its latest checkpoint (restart " + place.getRestarts() + ")" : "");
  }
}
