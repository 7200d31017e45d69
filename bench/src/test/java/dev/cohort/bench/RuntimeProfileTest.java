package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.Timespan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flight-recording reader matches what a teacher sent with what arrived (in one JVM's recording or
 * another's), and
 * counts a trainer's wake-up only for waits that arrivals ended. The events here carry the names
 * and fields of Cohort's own (the peer package's {@code ExchangeEvents}).
 */
class RuntimeProfileTest {

  @Name("dev.cohort.PredictionSent")
  static final class Sent extends Event {
    String teacher;
    String student;
    long batch;
    int messages;
  }

  @Name("dev.cohort.PredictionArrived")
  static final class Arrived extends Event {
    String teacher;
    String student;
    long batch;
  }

  @Name("dev.cohort.TeacherWait")
  static final class Wait extends Event {
    String peer;
    long batch;
    @Timespan(Timespan.NANOSECONDS)
    long wakeUp;
  }

  @Test
  void wireTimesPairEachSendWithItsArrivalAndWakeUpsCountOnlyWaitsThatArrivalsEnded(@TempDir Path dir)
      throws Exception {
    Instant started = Instant.now();
    // one recording: recordings that overlap in one JVM each hold every event any of them enabled
    Path file = dir.resolve("run.jfr");
    try (Recording recording = new Recording()) {
      recording.enable(Sent.class);
      recording.enable(Arrived.class);
      recording.enable(Wait.class);
      recording.start();
      for (long batch = 0; batch < 4; batch++) {
        sent("a", "b", batch);
        Thread.sleep(3); // on the wire
        arrived("a", "b", batch);
      }
      sent("a", "b", 9); // never arrives: no wire time for it
      arrived("c", "b", 0); // sent by nobody recorded: none either
      waited("b", 0, 70_000);
      waited("b", 1, -1); // its predictions were in before the wait began
      recording.stop();
      recording.dump(file);
    }
    Instant ended = Instant.now();
    RunFigures.Window window = new RunFigures.Window(Map.of("b", List.of(
        new RunFigures.Window.Point(started.minusSeconds(1), 0), new RunFigures.Window.Point(ended.plusSeconds(1), 100))),
        Map.of("b", "pekko://cohort@127.0.0.1:1"));

    RuntimeProfile profile = RuntimeProfile.read(List.of(file), window);

    assertEquals(4, profile.wireMicros().size(), profile.wireMicros().toString());
    assertTrue(profile.wireMicros().stream().allMatch(us -> us >= 2_000 && us < 10_000_000), profile.wireMicros().toString());
    assertEquals(List.of(70.0), profile.wakeUpMicros());
    assertEquals(2, profile.waitMicros().size());
  }

  @Test
  void eventsOutsideTheMeasuredWindowAreLeftOut(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("r.jfr");
    try (Recording recording = new Recording()) {
      recording.enable(Wait.class);
      recording.start();
      waited("b", 0, 1_000);
      recording.stop();
      recording.dump(file);
    }
    Instant later = Instant.now().plusSeconds(60);
    RunFigures.Window window = new RunFigures.Window(Map.of("b", List.of(
        new RunFigures.Window.Point(later, 0), new RunFigures.Window.Point(later.plusSeconds(1), 10))),
        Map.of("b", "pekko://cohort@127.0.0.1:1"));
    assertEquals(List.of(), RuntimeProfile.read(List.of(file), window).waitMicros());
  }

  @Test
  void theSettingsAreTheJdksProfileWithArterysFrameEvents(@TempDir Path dir) throws Exception {
    Path settings = RuntimeProfile.writeSettings(dir.resolve("s.jfc"));
    String text = Files.readString(settings);
    assertTrue(text.contains("jdk.ExecutionSample") && text.contains("TcpOutboundSent"), text.substring(0, 200));
    // JFR accepts it
    jdk.jfr.Configuration.create(settings);
  }

  private static void sent(String teacher, String student, long batch) {
    Sent event = new Sent();
    event.teacher = teacher;
    event.student = student;
    event.batch = batch;
    event.messages = 1;
    event.commit();
  }

  private static void arrived(String teacher, String student, long batch) {
    Arrived event = new Arrived();
    event.teacher = teacher;
    event.student = student;
    event.batch = batch;
    event.commit();
  }

  private static void waited(String peer, long batch, long wakeUp) throws InterruptedException {
    Wait event = new Wait();
    event.begin();
    Thread.sleep(1);
    event.end();
    event.peer = peer;
    event.batch = batch;
    event.wakeUp = wakeUp;
    event.commit();
  }
}
