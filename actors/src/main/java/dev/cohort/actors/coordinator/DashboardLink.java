package dev.cohort.actors.coordinator;

import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.dashboard.Dashboard;
import dev.cohort.actors.dashboard.RunControl;
import dev.cohort.actors.dashboard.RunFeed;
import dev.cohort.actors.dashboard.RunLines;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The run's dashboard, a child of its coordinator (unless {@code cohort.dashboard.enabled} is off):
 * fed every line written to the run directory, and acting on the run only through
 * {@link RunControl}. A dashboard that cannot start costs the run nothing but itself.
 */
final class DashboardLink {

  private DashboardLink() {}

  /**
   * Starts the dashboard; a coordinator that takes over first shows it what the run directory
   * holds already. The feed to it, or {@link RunFeed#NONE}.
   */
  static RunFeed start(ActorContext<?> context, CohortSettings settings, Consumer<String> console,
      ActorRef<RunControl> controls) {
    if (!settings.dashboard().enabled()) {
      return RunFeed.NONE;
    }
    try {
      List<Dashboard.Line> history = RunLines.read(settings.runPath());
      ActorRef<Dashboard.Command> dashboard = context.spawn(
          Dashboard.create(settings, console, controls, history,
              console instanceof Dashboard.Progress progress ? progress : null),
          "dashboard");
      return (kind, json) -> dashboard.tell(new Dashboard.Line(kind, json));
    } catch (IOException e) {
      console.accept("dashboard: cannot start (" + e.getMessage() + "); the run goes on without it");
      return RunFeed.NONE;
    }
  }
}
