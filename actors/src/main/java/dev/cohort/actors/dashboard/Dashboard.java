package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.extract.Extraction;
import dev.cohort.actors.extract.Selection;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.BoundedSourceQueue;

/**
 * The live dashboard of one run, a child of its coordinator: it turns every line the coordinator
 * writes (and the cluster's membership) into the view, the Prometheus metrics and the updates
 * streamed to browsers, and answers the HTTP routes that {@link DashboardServer} serves. The
 * coordinator only ever {@code tell}s it; every client has a bounded queue of its own.
 */
public final class Dashboard extends AbstractBehavior<Dashboard.Command> {

  public interface Command extends NoSerializationVerificationNeeded {}

  /** A line the coordinator wrote to the run directory. */
  public record Line(RunFeed.Kind kind, String json) implements Command {}

  record Subscribe(BoundedSourceQueue<ServerSentEvent> queue, long after) implements Command {}

  record Unsubscribe(BoundedSourceQueue<ServerSentEvent> queue) implements Command {}

  /** {@code cohort}, {@code peers} or {@code members}, as JSON. */
  record Query(String what, ActorRef<String> replyTo) implements Command {}

  /** An HTTP answer: status code and JSON body. */
  record Reply(int status, String json) {}

  record StopRun(ActorRef<Reply> replyTo) implements Command {}

  record ExtractNow(Selection selection, ActorRef<Reply> replyTo) implements Command {}

  record JobQuery(int id, ActorRef<Optional<String>> replyTo) implements Command {}

  private record ExtractionDone(int id, Extraction.Result result, Exception failure) implements Command {}

  private record MembershipChanged(ClusterEvent.ClusterDomainEvent event) implements Command {}

  private enum Tick implements Command { INSTANCE }

  private static final Duration TICK = Duration.ofSeconds(1);

  private final CohortView view;
  private final UpdateHub hub;
  private final DashboardMetrics metrics;
  private final ExtractionJobs jobs;
  private final ActorRef<RunControl> run;
  private final DashboardServer server;
  private final Progress progress;
  private ArrayNode members = JsonNodeFactory.instance.arrayNode();
  private boolean stopping;

  /** Told the peers' rows once a second, e.g. for the terminal's progress bars. */
  public interface Progress {
    void rows(List<ObjectNode> rows, int epochs);
  }

  /**
   * @param console where the address and the control token are announced
   * @param history lines already in the run directory (a coordinator that took over or resumes)
   * @param progress told the rows every second (may be null)
   * @throws IOException when the run's control token cannot be read or created
   */
  public static Behavior<Command> create(CohortSettings settings, Consumer<String> console,
      ActorRef<RunControl> run, List<Line> history, Progress progress) throws IOException {
    DashboardServer.Setup setup = DashboardServer.Setup.of(settings, console);
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
      return new Dashboard(context, setup, run, history, progress);
    }));
  }

  private Dashboard(ActorContext<Command> context, DashboardServer.Setup setup, ActorRef<RunControl> run,
      List<Line> history, Progress progress) {
    super(context);
    this.run = run;
    this.progress = progress;
    this.view = setup.view();
    this.hub = new UpdateHub(setup.settings().replay());
    this.metrics = new DashboardMetrics(setup.runId(), setup.topology());
    this.jobs = new ExtractionJobs(setup.runPath());
    history.forEach(this::apply);
    Cluster.get(context.getSystem()).subscriptions().tell(org.apache.pekko.cluster.typed.Subscribe.create(
        context.messageAdapter(ClusterEvent.ClusterDomainEvent.class, MembershipChanged::new),
        ClusterEvent.ClusterDomainEvent.class));
    this.server = new DashboardServer(context, setup, metrics);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Line.class, line -> { apply(line); return this; })
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, u -> { hub.unsubscribe(u.queue()); metrics.clients(hub.clients()); return this; })
        .onMessage(Query.class, this::onQuery)
        .onMessage(MembershipChanged.class, this::onMembership)
        .onMessage(StopRun.class, this::onStop)
        .onMessage(ExtractNow.class, this::onExtract)
        .onMessage(ExtractionDone.class, this::onExtractionDone)
        .onMessage(JobQuery.class, q -> { q.replyTo().tell(jobs.job(q.id()).map(ObjectNode::toString)); return this; })
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(DashboardServer.Bound.class, b -> { server.bound(b); return this; })
        .onSignal(PostStop.class, signal -> { hub.closeAll(); jobs.shutdown(); server.stop(); return this; })
        .build();
  }

  private void apply(Line line) {
    ObjectNode update = view.apply(line.kind(), line.json());
    switch (update.path("kind").asText()) {
      case "peer" -> metrics.peer(update.path("row"), true);
      case "cohort" -> metrics.cohort(update.path("matrix"), update.path("point").path("val_accuracy").asDouble());
      default -> {
        metrics.event(update.path("log").path("event").asText());
        if (update.has("row")) {
          metrics.peer(update.path("row"), false);
        }
      }
    }
    publish(update);
  }

  private void publish(ObjectNode update) {
    hub.publish(update);
    metrics.published();
  }

  private Behavior<Command> onSubscribe(Subscribe subscribe) {
    hub.subscribe(subscribe.queue(), subscribe.after());
    metrics.clients(hub.clients());
    return this;
  }

  private Behavior<Command> onQuery(Query query) {
    String answer = switch (query.what()) {
      case "peers" -> JsonNodeFactory.instance.arrayNode().addAll(view.rows()).toString();
      case "members" -> members.toString();
      default -> {
        ObjectNode snapshot = view.snapshot();
        snapshot.set("members", members);
        snapshot.put("last_event_id", hub.lastId());
        yield snapshot.toString();
      }
    };
    query.replyTo().tell(answer);
    return this;
  }

  private Behavior<Command> onMembership(MembershipChanged changed) {
    members = Members.toJson(Cluster.get(getContext().getSystem()).state());
    metrics.members(Members.counts(members));
    ObjectNode update = JsonNodeFactory.instance.objectNode();
    update.put("kind", "members");
    update.set("members", members);
    publish(update);
    return this;
  }

  private Behavior<Command> onTick() {
    metrics.refused(hub.refused());
    for (ObjectNode row : view.refresh(Instant.now())) {
      metrics.peer(row, false);
      ObjectNode update = JsonNodeFactory.instance.objectNode();
      update.put("kind", "status");
      update.set("row", row);
      publish(update);
    }
    if (progress != null) {
      progress.rows(view.rows(), view.epochs());
    }
    return this;
  }

  private Behavior<Command> onStop(StopRun stop) {
    String phase = view.phase();
    if (phase.equals("finished") || phase.equals("failed") || stopping) {
      stop.replyTo().tell(new Reply(409, json("error", "the run has already " + (stopping ? "been told to stop" : phase))));
      return this;
    }
    stopping = true;
    run.tell(new RunControl.Stop("the dashboard's stop control"));
    stop.replyTo().tell(new Reply(202, json("status", "stopping")));
    return this;
  }

  private Behavior<Command> onExtract(ExtractNow extract) {
    if (jobs.busy()) {
      extract.replyTo().tell(new Reply(409, json("error", "an extraction is already running")));
      return this;
    }
    ActorRef<Command> self = getContext().getSelf();
    int id = jobs.start(extract.selection(), (job, result, failure) -> self.tell(new ExtractionDone(job, result, failure)));
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("id", id).put("status", "running").put("href", "/api/extractions/" + id);
    extract.replyTo().tell(new Reply(202, body.toString()));
    return this;
  }

  private Behavior<Command> onExtractionDone(ExtractionDone done) {
    Map<String, Object> fields = jobs.finish(done.id(), done.result(), done.failure());
    run.tell(new RunControl.RecordEvent(done.failure() == null ? "extraction-finished" : "extraction-failed", fields));
    return this;
  }

  private static String json(String field, String value) {
    return JsonNodeFactory.instance.objectNode().put(field, value).toString();
  }
}
