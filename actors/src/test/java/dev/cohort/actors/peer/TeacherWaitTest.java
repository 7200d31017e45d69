package dev.cohort.actors.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.model.distill.TeacherWeighting;
import dev.cohort.model.distill.Topology;
import dev.cohort.protocol.PeerReport;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.nio.file.Path;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The lock-step wait for teachers, on the test's thread: what ends it, and what it counts. */
class TeacherWaitTest {

  private static final int CLASSES = 2;
  /** Long enough that a test passing means something other than the bound ended the wait. */
  private static final Duration FOREVER = Duration.ofMinutes(10);
  private static final Duration GENEROUS = Duration.ofSeconds(60);

  private final Exchange exchange = new Exchange("s", Topology.mutual(List.of("a", "s")), TeacherWeighting.NONE);
  private final PeerSide side = new PeerSide(exchange, 1.0, CLASSES);
  private final StepFigures figures = side.figures;
  private final PredictionIntake intake = side.intake(Long.MAX_VALUE, () -> false);

  private TeacherWait waitFor(Duration maxWait, BooleanSupplier shuttingDown, Runnable lookAtReachability) {
    return new TeacherWait("s", exchange, intake, maxWait, shuttingDown, lookAtReachability, figures,
        LoggerFactory.getLogger(TeacherWaitTest.class));
  }

  private PeerReport figures() {
    return figures.drainInto(PeerReport.newBuilder(), false).build();
  }

  @Test
  void theWaitEndsWhenTheTeachersPredictionsArrive() {
    TeacherWait wait = waitFor(FOREVER, () -> false, () -> { });
    CompletableFuture.runAsync(
        () -> intake.arrived(RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, 1.0, new float[] {0.5f, 0.5f})),
        CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS));

    assertTimeoutPreemptively(GENEROUS, () -> wait.await(0));

    assertTrue(exchange.complete(0));
    PeerReport report = figures();
    assertEquals(0, report.getTeacherTimeouts());
    assertTrue(report.getWaitFraction() > 0, "the time waited is counted");
  }

  @Test
  void aTeacherThatNeverAnswersIsSkippedAfterMaxWaitAndCounted() {
    long started = System.nanoTime();
    waitFor(Duration.ofMillis(300), () -> false, () -> { }).await(0);
    assertTrue(System.nanoTime() - started >= Duration.ofMillis(300).toNanos(), "not before the bound");
    assertFalse(exchange.complete(0));
    assertEquals(1, figures().getTeacherTimeouts());
  }

  @Test
  void aTeacherFoundUnreachableIsNotWaitedForAnyLonger() {
    TeacherWait wait = waitFor(FOREVER, () -> false, () -> exchange.unreachable(Set.of("a")));
    assertTimeoutPreemptively(GENEROUS, () -> wait.await(0));
    assertEquals(0, figures().getTeacherTimeouts());
  }

  @Test
  void aNodeGoingDownEndsTheWaitSoThatItsStopGetsThrough() {
    TeacherWait wait = waitFor(FOREVER, () -> true, () -> { });
    assertTimeoutPreemptively(GENEROUS, () -> wait.await(0));
    assertFalse(exchange.complete(0));
    assertEquals(0, figures().getTeacherTimeouts(), "going down is not a teacher's timeout");
  }

  @Test
  void aFlightRecordingGetsTheWaitAndTheWakeUpAfterTheArrivalThatEndedIt(@TempDir Path dir) throws Exception {
    TeacherWait wait = waitFor(FOREVER, () -> false, () -> { });
    RecordedEvent event = recordedWait(dir, () -> {
      CompletableFuture.runAsync(
          () -> intake.arrived(RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, 1.0, new float[] {0.5f, 0.5f})),
          CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS));
      assertTimeoutPreemptively(GENEROUS, () -> wait.await(0));
    });
    assertEquals("s", event.getString("peer"));
    assertEquals(0, event.getLong("batch"));
    assertTrue(event.getDuration().toMillis() >= 90, "it waited for the arrival: " + event.getDuration());
    long wakeUp = event.getLong("wakeUp");
    assertTrue(wakeUp >= 0 && wakeUp < event.getDuration().toNanos(), "wake-up " + wakeUp + " ns");
  }

  @Test
  void predictionsQueuedBeforeTheWaitBeganWokeNobody(@TempDir Path dir) throws Exception {
    TeacherWait wait = waitFor(FOREVER, () -> false, () -> { });
    RecordedEvent event = recordedWait(dir, () -> {
      intake.arrived(RecordingOutbox.predictions("run", "a", 0, 0, CLASSES, 1.0, new float[] {0.5f, 0.5f}));
      assertTimeoutPreemptively(GENEROUS, () -> wait.await(0));
    });
    assertEquals(-1, event.getLong("wakeUp"));
  }

  /** The one TeacherWait event a flight recording got while {@code action} ran. */
  private static RecordedEvent recordedWait(Path dir, Runnable action) throws Exception {
    Path file = dir.resolve("wait.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("dev.cohort.TeacherWait");
      recording.start();
      action.run();
      recording.stop();
      recording.dump(file);
    }
    List<RecordedEvent> waits = RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals("dev.cohort.TeacherWait")).toList();
    assertEquals(1, waits.size(), waits.toString());
    return waits.get(0);
  }
}
