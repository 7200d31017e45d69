package dev.cohort.actors.dashboard;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The dashboard's HTTP server: binds {@code cohort.dashboard.host:port} (loopback by default),
 * announces the address and the control token on the console and in {@code dashboard.json}, and
 * unbinds when the dashboard stops. A port that is taken is reported and the run goes on without
 * a dashboard.
 */
final class DashboardServer {

  /** What a dashboard needs to know of its run. */
  record Setup(String runId, Path runPath, String topology, CohortSettings.Dashboard settings, CohortView view,
      ControlToken token, Consumer<String> console) {

    static Setup of(CohortSettings run, Consumer<String> console) throws IOException {
      CohortSettings.Dashboard settings = run.dashboard();
      CohortView view = new CohortView(run.runId(), run.peers().stream().map(PeerSpec::name).toList(),
          run.training().epochs(), settings.stallAfter());
      return new Setup(run.runId(), run.runPath(), run.distillation().topologyName(), settings, view, ControlToken.forRun(run.runPath()), console);
    }
  }

  record Bound(ServerBinding binding, Throwable failure) implements Dashboard.Command {}

  /** Where a run's dashboard listens, for tools and tests: {@code {"url": ..., "token_file": ...}}. */
  static final String ADDRESS_FILE = "dashboard.json";

  private final ActorContext<Dashboard.Command> context;
  private final Setup setup;
  private final DashboardRoutes routes;
  private ServerBinding binding;

  DashboardServer(ActorContext<Dashboard.Command> context, Setup setup, DashboardMetrics metrics) {
    this.context = context;
    this.setup = setup;
    this.routes = new DashboardRoutes(context.getSelf(), context.getSystem(), metrics, setup);
    context.pipeToSelf(
        Http.get(context.getSystem()).newServerAt(setup.settings().host(), setup.settings().port()).bind(routes.route()),
        Bound::new);
  }

  void bound(Bound bound) {
    if (bound.failure() != null) {
      setup.console().accept("dashboard: cannot listen on " + setup.settings().host() + ":" + setup.settings().port()
          + " (" + bound.failure().getMessage() + "); the run goes on without it."
          + " Set cohort.dashboard.port (0 picks a free port).");
      return;
    }
    binding = bound.binding();
    String url = "http://" + hostForUrl(setup.settings().host()) + ":" + binding.localAddress().getPort() + "/";
    ObjectNode address = JsonNodeFactory.instance.objectNode();
    address.put("url", url);
    address.put("token_file", setup.runPath().resolve(ControlToken.FILE).toString());
    try {
      AtomicFiles.writeString(setup.runPath().resolve(ADDRESS_FILE), address.toPrettyString() + "\n");
    } catch (IOException e) {
      context.getLog().warn("cannot write {}: {}", setup.runPath().resolve(ADDRESS_FILE), e.getMessage());
    }
    setup.console().accept("dashboard: " + url);
    setup.console().accept("  controls (stop, extract) need: Authorization: Bearer " + setup.token().value()
        + "  (also in " + setup.runPath().resolve(ControlToken.FILE) + ")");
  }

  private static String hostForUrl(String host) {
    if (host.equals("0.0.0.0") || host.equals("::")) {
      return "127.0.0.1";
    }
    return host.contains(":") ? "[" + host + "]" : host;
  }

  void stop() {
    routes.close();
    if (binding != null) {
      binding.terminate(Duration.ofSeconds(2));
      binding = null;
    }
  }
}
