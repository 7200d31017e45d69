package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.actors.extract.Selection;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.management.HealthCheckSettings;
import org.apache.pekko.management.javadsl.HealthChecks;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;


/**
 * The dashboard's routes: the page and its assets, JSON snapshots, the update stream (SSE with
 * {@code Last-Event-ID}), Prometheus metrics, Pekko Management's readiness and liveness checks,
 * and the controls — POSTs that need the run's bearer token (401 without one, 403 with a wrong
 * one, 400 for a malformed request). Requests naming a host the dashboard does not answer to get
 * 403 ({@link AllowedHosts}); once the dashboard stops, every request gets 503 at once.
 */
final class DashboardRoutes extends AllDirectives {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration ASK = Duration.ofSeconds(5);
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final ActorRef<Dashboard.Command> dashboard;
  private final ActorSystem<?> system;
  private final DashboardMetrics metrics;
  private final DashboardServer.Setup setup;
  private final HealthChecks health;
  private final Materializer materializer;
  private final AllowedHosts hosts;
  private final AtomicBoolean open = new AtomicBoolean(true);

  DashboardRoutes(ActorRef<Dashboard.Command> dashboard, ActorSystem<?> system, DashboardMetrics metrics,
      DashboardServer.Setup setup) {
    this.dashboard = dashboard;
    this.system = system;
    this.metrics = metrics;
    this.setup = setup;
    this.health = new HealthChecks((org.apache.pekko.actor.ExtendedActorSystem) Adapter.toClassic(system),
        HealthCheckSettings.create(system.settings().config().getConfig("pekko.management.health-checks")));
    this.materializer = Materializer.matFromSystem(system);
    this.hosts = new AllowedHosts(setup.settings());
  }

  /**
   * From now on every request is answered 503 at once: the dashboard is stopping, and a question
   * to it would wait for an answer that never comes.
   */
  void close() {
    open.set(false);
  }

  Route route() {
    Route routes = routes();
    return extractHost(host -> {
      if (!hosts.allows(host)) {
        return json(403, error("this dashboard does not answer to the host name '" + host + "' (a page of another"
            + " site could be reading it through your browser); open it by IP address or localhost, or add the name"
            + " to cohort.dashboard.allowed-hosts"));
      }
      return open.get() ? routes : stopping();
    });
  }

  private Route stopping() {
    return complete(HttpResponse.create().withStatus(StatusCodes.SERVICE_UNAVAILABLE)
        .addHeader(RawHeader.create("Retry-After", "5"))
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
            error("the dashboard is stopping (the run has ended or its coordinator is moving);"
                + " report.html in the run directory holds the run"))));
  }

  private Route routes() {
    return concat(
        pathSingleSlash(() -> get(() -> getFromResource("dashboard/index.html", ContentTypes.TEXT_HTML_UTF8))),
        pathPrefix("assets", () -> get(() -> getFromResourceDirectory("dashboard"))),
        path(PathMatchers.segment("api").slash("cohort"), () -> get(() -> query("cohort"))),
        path(PathMatchers.segment("api").slash("peers"), () -> get(() -> query("peers"))),
        path(PathMatchers.segment("api").slash("members"), () -> get(() -> query("members"))),
        path(PathMatchers.segment("api").slash("events"), () -> get(this::events)),
        path(PathMatchers.segment("api").slash("extractions").slash(PathMatchers.integerSegment()),
            id -> get(() -> job(id))),
        path(PathMatchers.segment("api").slash("stop"), () -> post(() -> authorized(this::stop))),
        path(PathMatchers.segment("api").slash("extract"), () -> post(() -> authorized(this::extract))),
        path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(HttpEntities.create(
            ContentTypes.parse(metrics.contentType()), metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)))))),
        path("ready", () -> get(() -> check(health.readyResult()))),
        path("alive", () -> get(() -> check(health.aliveResult()))));
  }

  private Route query(String what) {
    CompletionStage<String> answer =
        AskPattern.ask(dashboard, replyTo -> new Dashboard.Query(what, replyTo), ASK, system.scheduler());
    return answered(answer, body -> json(200, body));
  }

  /** The dashboard actor's answer, or 503 when none comes (it stopped, or is stopping). */
  private <T> Route answered(CompletionStage<T> answer, Function<T, Route> inner) {
    return onComplete(answer, result -> result.isSuccess() ? inner.apply(result.get()) : stopping());
  }

  private Route events() {
    return optionalHeaderValueByName("Last-Event-ID", header -> parameterOptional("after", after -> {
      Optional<String> given = header.isPresent() ? header : after;
      long from;
      try {
        from = given.map(String::trim).map(Long::parseLong).orElse(0L);
      } catch (NumberFormatException e) {
        return json(400, error("Last-Event-ID (or ?after=) must be an update id, found '" + given.get() + "'"));
      }
      // The queue's offer is synchronous and never blocks; the buffer behind it drains it at once
      // and, when the client reads slower than updates come, drops its oldest updates.
      Pair<BoundedSourceQueue<ServerSentEvent>, Source<ServerSentEvent, org.apache.pekko.NotUsed>> queue =
          Source.<ServerSentEvent>queue(setup.settings().clientBuffer()).preMaterialize(materializer);
      dashboard.tell(new Dashboard.Subscribe(queue.first(), from));
      Source<ServerSentEvent, org.apache.pekko.NotUsed> stream = queue.second()
          .buffer(setup.settings().clientBuffer(), OverflowStrategy.dropHead())
          .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat)
          .watchTermination((unused, done) -> {
            done.whenComplete((d, e) -> dashboard.tell(new Dashboard.Unsubscribe(queue.first())));
            return unused;
          });
      return completeOK(stream, EventStreamMarshalling.toEventStream());
    }));
  }

  private Route job(int id) {
    CompletionStage<Optional<String>> answer =
        AskPattern.ask(dashboard, replyTo -> new Dashboard.JobQuery(id, replyTo), ASK, system.scheduler());
    return answered(answer, body -> body.map(b -> json(200, b)).orElseGet(() -> json(404, error("no extraction " + id))));
  }

  /** The controls' guard: 401 without a bearer token, 403 with a wrong one. */
  private Route authorized(java.util.function.Supplier<Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> switch (setup.token().check(header)) {
      case MISSING -> complete(HttpResponse.create().withStatus(StatusCodes.UNAUTHORIZED)
          .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"cohort\""))
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
              error("this control needs the run's token: Authorization: Bearer <token from " + ControlToken.FILE + ">"))));
      case WRONG -> json(403, error("the bearer token is not this run's (see " + ControlToken.FILE + " in the run directory)"));
      case VALID -> inner.get();
    });
  }

  private Route stop() {
    return control(AskPattern.ask(dashboard, Dashboard.StopRun::new, ASK, system.scheduler()));
  }

  /** Body: empty, or {@code {"metric": "val_accuracy" | "val_nll" | "smallest-within:POINTS"}}. */
  private Route extract() {
    return entity(Unmarshaller.entityToString(), body -> {
      Selection selection;
      try {
        selection = selection(body);
      } catch (IllegalArgumentException e) {
        return json(400, error(e.getMessage()));
      }
      return control(AskPattern.ask(dashboard, replyTo -> new Dashboard.ExtractNow(selection, replyTo), ASK,
          system.scheduler()));
    });
  }

  static Selection selection(String body) {
    if (body.isBlank()) {
      return Selection.DEFAULT;
    }
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
    }
    if (!request.isObject()) {
      throw new IllegalArgumentException("the body must be a JSON object like {\"metric\": \"val_accuracy\"}, found " + request);
    }
    for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("metric")) {
        throw new IllegalArgumentException("unknown field '" + name + "' (expected only \"metric\")");
      }
    }
    JsonNode metric = request.path("metric");
    if (metric.isMissingNode()) {
      return Selection.DEFAULT;
    }
    if (!metric.isTextual()) {
      throw new IllegalArgumentException("\"metric\" must be a string, found " + metric);
    }
    return Selection.parse(metric.asText());
  }

  private Route control(CompletionStage<Dashboard.Reply> reply) {
    return answered(reply, r -> json(r.status(), r.json()));
  }

  private Route check(CompletionStage<org.apache.pekko.management.javadsl.CheckResult> result) {
    return onSuccess(result, r -> r.isSuccess()
        ? complete(StatusCodes.OK, "OK")
        : complete(StatusCodes.INTERNAL_SERVER_ERROR, "Not Healthy: " + r.failure().orElse("")));
  }

  private Route json(int status, String body) {
    return complete(HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body)));
  }

  private static String error(String message) {
    return JSON.createObjectNode().put("error", message).toString();
  }
}
