package dev.cohort.actors.node;

import dev.cohort.actors.coordinator.Coordinator;
import dev.cohort.protocol.AdoptRun;
import dev.cohort.protocol.RunFinished;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The coordinator singleton on a node that did not launch the run: it waits until the node has
 * adopted a run (from its launcher, or from the coordinator that ran it before), then becomes that
 * run's coordinator — fresh, resuming, or taking a run in progress over — and, once that run is
 * over, waits for the next.
 */
final class CoordinatorStandby {

  private static final Duration POLL = Duration.ofMillis(500);

  private enum Poll implements Coordinator.Command {
    INSTANCE
  }

  private CoordinatorStandby() {}

  /** The coordinator this standby started has stopped: its run is over (or handed over). */
  private record RunOver(String runId) implements Coordinator.Command {}

  static Behavior<Coordinator.Command> create(
      Supplier<NodeGuardian.Adopted> adopted, Consumer<String> console, Consumer<RunFinished> onFinished) {
    Set<String> over = new HashSet<>();
    boolean[] running = new boolean[1];
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Poll.INSTANCE, POLL);
      return Behaviors.receive(Coordinator.Command.class)
          .onMessageEquals(Poll.INSTANCE, () -> {
            NodeGuardian.Adopted run = adopted.get();
            if (running[0] || run == null || over.contains(run.settings().runId())) {
              return Behaviors.same();
            }
            // The coordinator runs as a child, so this standby outlives the run and serves the next.
            String runId = run.settings().runId();
            var child = context.spawn(coordinator(run, console, onFinished),
                "run-" + URLEncoder.encode(runId, StandardCharsets.UTF_8));
            context.watchWith(child, new RunOver(runId));
            running[0] = true;
            return Behaviors.same();
          })
          .onMessage(RunOver.class, done -> {
            over.add(done.runId());
            running[0] = false;
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static Behavior<Coordinator.Command> coordinator(
      NodeGuardian.Adopted run, Consumer<String> console, Consumer<RunFinished> onFinished) {
    return switch (run.mode()) {
      case RUN_MODE_RESUME -> Coordinator.resume(run.settings(), console, onFinished);
      case RUN_MODE_TAKE_OVER -> Coordinator.takeOver(run.settings(), console, onFinished);
      default -> Coordinator.create(run.settings(), console, onFinished);
    };
  }

  /** The mode a node keeps when it hears of a run twice: taking over beats the launcher's first word. */
  static boolean supersedes(AdoptRun next, NodeGuardian.Adopted current) {
    return current == null
        || !current.settings().runId().equals(next.getRunId())
        || next.getMode().getNumber() >= current.mode().getNumber();
  }
}
