package dev.cohort.actors.coordinator;

import dev.cohort.actors.ServiceKeys;
import dev.cohort.actors.WireInbox;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.dashboard.RunControl;
import dev.cohort.protocol.CoordinatorInbox;
import dev.cohort.protocol.RunFinished;
import java.util.List;
import java.util.Map;
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
 * Runs one cohort, as a cluster singleton: waits for the expected nodes, places the peers
 * ({@link PeerPlacement}), starts training once every peer has registered ({@link Registrations},
 * {@link Roster}; with the kd topology the teacher alone first), records every report, the epoch
 * table and the cohort's metrics ({@link RunRecords}), restarts peers whose node is lost
 * ({@link Failover}, {@link NodeChanges}), and at the end has the peer with the best validation
 * accuracy export itself ({@link RunLifecycle}). A coordinator that takes over a run, or resumes
 * one, reads it from the run directory first ({@link TakeOver}). This actor owns the messages,
 * subscriptions and timers; those classes decide.
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

  private final CohortSettings settings;
  private final TimerScheduler<Command> timers;
  private final Address selfAddress;
  private final NodeDirectory nodes;
  private final RunRecords records;
  private final Failover failover;
  private final Roster roster;
  private final PeerPlacement placement;
  private final RunLifecycle lifecycle;
  private final NodeChanges nodeChanges;
  private final Registrations registrations;
  private final TakeOver takeOver;
  private final boolean recovering;

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
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new Coordinator(context, timers, settings, console, onFinished, mode)));
  }

  private Coordinator(ActorContext<Command> context, TimerScheduler<Command> timers, CohortSettings settings,
      Consumer<String> console, Consumer<RunFinished> onFinished, Mode mode) {
    super(context);
    this.settings = settings;
    this.timers = timers;
    this.recovering = mode == Mode.TAKE_OVER;
    boolean resuming = mode == Mode.RESUME;
    Cluster cluster = Cluster.get(context.getSystem());
    this.selfAddress = cluster.selfMember().address();
    this.nodes = new NodeDirectory(cluster);
    PeerResults results = new PeerResults(settings.peers().stream().map(PeerSpec::name).toList(),
        settings.distillation().selection().active());
    this.records = new RunRecords(settings, new RunDirectory(settings.runPath(),
        DashboardLink.start(context, settings, console,
            context.messageAdapter(RunControl.class, Coordinator::fromDashboard))), console, results);
    RunTimers runTimers = new Timers();
    this.failover = new Failover(nodes, results, runTimers, records::event, console, settings.cluster().maxRestarts());
    ActorRefResolver resolver = ActorRefResolver.get(context.getSystem());
    this.roster = new Roster(settings, failover, resolver::toSerializationFormat);
    ActorRef<CoordinatorInbox> inbox =
        context.spawn(WireInbox.<CoordinatorInbox, Command>create(context.getSelf(), FromWire::new), WireInbox.NAME);
    this.lifecycle = new RunLifecycle(settings, records, results, roster, failover, nodes, runTimers, onFinished);
    this.placement = new PeerPlacement(settings, nodes, failover, records, lifecycle,
        resolver.toSerializationFormat(inbox), resuming);
    this.nodeChanges = new NodeChanges(records, nodes, failover, roster, results, lifecycle);
    this.registrations = new Registrations(roster, lifecycle, failover, records, nodes, runTimers);
    this.takeOver = new TakeOver(settings, records, results, failover, roster, lifecycle, runTimers);
    var receptionist = context.getSystem().receptionist();
    ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, ListingChanged::new);
    receptionist.tell(Receptionist.register(ServiceKeys.coordinator(settings.runId()), inbox));
    receptionist.tell(Receptionist.subscribe(ServiceKeys.HOSTS, listings));
    receptionist.tell(Receptionist.subscribe(ServiceKeys.LAUNCHERS, listings));
    receptionist.tell(Receptionist.subscribe(ServiceKeys.peers(settings.runId()), listings));
    cluster.subscriptions().tell(Subscribe.create(
        context.messageAdapter(ClusterEvent.ClusterDomainEvent.class, MembershipChanged::new),
        ClusterEvent.ClusterDomainEvent.class));
    if (recovering) {
      takeOver.begin(selfAddress.toString());
      return;
    }
    timers.startSingleTimer(Timeout.STARTUP, settings.cluster().startupTimeout());
    records.started(resuming);
    if (!resuming || takeOver.readHistory()) {
      records.announceWaiting();
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ListingChanged.class, this::onListingChanged)
        .onMessage(FromWire.class, this::onWire)
        .onMessageEquals(Timeout.STARTUP, () -> then(lifecycle::startupTimedOut))
        .onMessageEquals(Timeout.EXPORT, () -> then(lifecycle::exportTimedOut))
        .onMessageEquals(Timeout.RECOVERED, () -> then(() -> carryOut(takeOver.graceOver())))
        .onMessage(MembershipChanged.class, this::onMembershipChanged)
        .onMessage(RestartTimeout.class, timeout -> then(() -> carryOut(failover.restartTimedOut(timeout.peer(),
            timeout.restart(), "restart " + timeout.restart() + " did not register within "
                + settings.cluster().startupTimeout()))))
        .onMessage(StopRequested.class, stop -> then(() -> lifecycle.stopRequested(stop.by())))
        .onMessage(RecordEvent.class, e -> then(() -> records.event(e.name(), e.fields())))
        .onSignal(PostStop.class, signal -> closeRun())
        .build();
  }

  /** Acts (unless the run is over) and stops once the run is over. */
  private Behavior<Command> then(Runnable action) {
    if (!lifecycle.done()) {
      action.run();
    }
    return lifecycle.done() ? Behaviors.stopped() : this;
  }

  /** The dashboard's controls in this coordinator's own protocol. */
  private static Command fromDashboard(RunControl control) {
    if (control instanceof RunControl.Stop stop) {
      return new StopRequested(stop.by());
    }
    RunControl.RecordEvent event = (RunControl.RecordEvent) control;
    return new RecordEvent(event.name(), event.fields());
  }

  private Behavior<Command> onListingChanged(ListingChanged changed) {
    if (changed.listing().isForKey(ServiceKeys.HOSTS)) {
      carryOut(placement.hostsListed(changed.listing().getServiceInstances(ServiceKeys.HOSTS)));
    } else if (changed.listing().isForKey(ServiceKeys.LAUNCHERS)) {
      nodes.launchersListed(changed.listing().getServiceInstances(ServiceKeys.LAUNCHERS));
    } else {
      // Every registered peer, on unreachable nodes too; reachability is followed from the
      // membership events instead, which the Receptionist's listing of reachable peers would race.
      carryOut(registrations.listed(changed.listing().getAllServiceInstances(ServiceKeys.peers(settings.runId()))));
    }
    return this;
  }

  private Behavior<Command> onMembershipChanged(MembershipChanged changed) {
    MembershipEvents.of(changed.event()).ifPresent(change -> carryOut(nodeChanges.changed(change)));
    carryOut(placement.membershipChanged(changed.event() instanceof ClusterEvent.MemberUp));
    return lifecycle.done() ? Behaviors.stopped() : this;
  }

  private Behavior<Command> onWire(FromWire wire) {
    CoordinatorInbox message = wire.message();
    switch (message.getMessageCase()) {
      case REPORT -> lifecycle.report(message.getReport());
      case EXPORTED -> lifecycle.exported(message.getExported());
      case FAILED -> carryOut(lifecycle.failed(message.getFailed()));
      case VALIDATION -> records.validation(message.getValidation(), lifecycle.livePeers());
      case CHECKPOINTED -> records.checkpointed(message.getCheckpointed());
      default -> getContext().getLog().warn("coordinator ignores an empty message");
    }
    return lifecycle.done() ? Behaviors.stopped() : this;
  }

  /**
   * What the failover decided: a lost peer's export is dropped, a restarted peer is placed again
   * (or waits for a node), and a peer given up no longer holds back the epochs, cohort metrics and
   * export that waited for it.
   */
  private void carryOut(List<Failover.Decision> decisions) {
    for (Failover.Decision decision : decisions) {
      if (decision instanceof Failover.Lost lost) {
        lifecycle.lost(lost.peer());
      } else if (decision instanceof Failover.Restart restart) {
        if (placement.place(restart.peer(), true, restart.rejoinAt())) {
          failover.placed(restart.peer());
        } else {
          failover.noNodeFor(restart.peer());
        }
      } else if (decision instanceof Failover.GiveUp) {
        records.withoutGivenUp(roster.live());
        lifecycle.startWhenAllRegistered();
        lifecycle.maybeExport();
      }
    }
  }

  /** The timers the plain classes arm, as messages to this actor. */
  private final class Timers implements RunTimers {
    @Override
    public void cancelStartup() {
      timers.cancel(Timeout.STARTUP);
    }

    @Override
    public void startExport() {
      timers.startSingleTimer(Timeout.EXPORT, settings.cluster().exportTimeout());
    }

    @Override
    public void cancelExport() {
      timers.cancel(Timeout.EXPORT);
    }

    @Override
    public void startRestart(String peer, int restart) {
      timers.startSingleTimer("restart-" + peer, new RestartTimeout(peer, restart), settings.cluster().startupTimeout());
    }

    @Override
    public void cancelRestart(String peer) {
      timers.cancel("restart-" + peer);
    }

    @Override
    public void startRecovery() {
      timers.startSingleTimer(Timeout.RECOVERED, settings.cluster().recoveryGrace());
    }

    @Override
    public boolean recovering() {
      return recovering && timers.isTimerActive(Timeout.RECOVERED);
    }
  }

  private Behavior<Command> closeRun() {
    MemberStatus status = Cluster.get(getContext().getSystem()).selfMember().status();
    if (!lifecycle.done() && status != MemberStatus.up() && status != MemberStatus.weaklyUp()) {
      // This node is leaving: the singleton moves to another node, which takes the run over.
      records.event("coordinator-handed-over", Map.of("node", selfAddress.toString()));
    } else if (!lifecycle.done()) {
      lifecycle.finish(false, "the coordinator stopped before the run ended (see its log)");
    }
    records.close(getContext().getLog());
    return this;
  }
}
