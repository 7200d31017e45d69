package dev.cohort.actors.launch;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A node's actor system stopping, with a deadline: the process of a node that was told to stop
 * (its run ended, its parent died, the split-brain resolver downed it) exits even when the actor
 * system does not terminate. Pekko bounds each phase of its coordinated shutdown, but not the
 * termination itself: Pekko 1.2's Artery waits for every remoting stream to complete with no
 * deadline (apache/pekko#3317, fixed after the 1.2 line), and an actor busy in a message delays
 * it as long as it stays busy. When the deadline passes, the stacks of every thread go to
 * {@code err}, so the log shows what held the system up.
 */
public final class BoundedStop {

  /** How long a node waits for its actor system to terminate once termination has begun. */
  public static final Duration LIMIT = Duration.ofSeconds(30);

  private BoundedStop() {}

  /**
   * Completes when {@code system}'s coordinated shutdown reaches the termination of the actor
   * system, whatever started it ({@code terminate()}, downing, a JVM shutdown hook), or when
   * the system has terminated.
   */
  public static CompletableFuture<Void> terminationBegins(ActorSystem<?> system) {
    CompletableFuture<Void> begins = new CompletableFuture<>();
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "cohort-bounded-stop", () -> {
          begins.complete(null);
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    system.getWhenTerminated().thenRun(() -> begins.complete(null));
    return begins;
  }

  /**
   * Waits at most {@code limit} for {@code system} to terminate; if it has not, says so on
   * {@code err} with every thread's stack and returns false (the caller exits anyway).
   */
  public static boolean await(ActorSystem<?> system, Duration limit, PrintStream err) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      err.println("cohort: this node's actor system " + system.address() + " did not stop within "
          + limit.toSeconds() + " s; exiting anyway. Its threads:");
      dumpThreads(err);
      return false;
    } catch (ExecutionException e) {
      return true; // terminated, with a failure already logged by Pekko
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void dumpThreads(PrintStream err) {
    Map<Thread, StackTraceElement[]> stacks = Thread.getAllStackTraces();
    stacks.keySet().stream().sorted(Comparator.comparing(Thread::getName)).forEach(thread -> {
      err.println("\"" + thread.getName() + "\" " + thread.getState());
      for (StackTraceElement frame : stacks.get(thread)) {
        err.println("    at " + frame);
      }
    });
    err.flush();
  }
}
