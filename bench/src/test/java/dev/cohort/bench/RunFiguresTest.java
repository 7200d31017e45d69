package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run's logs say about its speed, over the epochs asked for. */
class RunFiguresTest {

  private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

  /** A report of {@code peer} at {@code millis} after T0, at {@code step}, {@code ms} per step in its window. */
  private static String report(String peer, long millis, int epoch, long step, double ms, double wait) {
    return String.format(java.util.Locale.ROOT,
        "{\"time\":\"%s\",\"peer\":\"%s\",\"node\":\"pekko://cohort@127.0.0.1:%d\",\"epoch\":%d,\"step\":%d,\"steps_per_second\":%f,\"wait_fraction\":%f,"
            + "\"codec_fraction\":0,\"prediction_bytes\":0,\"teacher_timeouts\":0,\"epoch_end\":false}",
        T0.plusMillis(millis), peer, peer.equals("a") ? 7001 : 7002, epoch, step, 1000 / ms, wait);
  }

  private static String epochEnd(String peer, long millis, int epoch) {
    return String.format(java.util.Locale.ROOT,
        "{\"time\":\"%s\",\"peer\":\"%s\",\"epoch\":%d,\"epoch_end\":true,\"val_accuracy\":0.5}",
        T0.plusMillis(millis), peer, epoch);
  }

  @Test
  void countsTheEpochsAskedForLeavingOutEachEpochsFirstWindow(@TempDir Path run) throws Exception {
    List<String> lines = new ArrayList<>();
    // two epochs of 40 steps, a report every 10; peer b starts 0.5 s after a
    for (String peer : List.of("a", "b")) {
      long offset = peer.equals("a") ? 0 : 500;
      for (int epoch = 1; epoch <= 2; epoch++) {
        for (int r = 1; r <= 4; r++) {
          long step = (epoch - 1) * 40L + r * 10;
          double ms = epoch == 1 ? 100 : r == 1 ? 50 : 10; // epoch 1: warm-up; each epoch's first window: its start
          lines.add(report(peer, offset + step * 10 + (epoch - 1) * 1000L, epoch, step, ms, epoch == 1 ? 0.9 : 0.2));
        }
        lines.add(epochEnd(peer, offset + epoch * 400L + (epoch - 1) * 1000L + 500, epoch));
      }
    }
    Files.write(run.resolve("metrics.jsonl"), lines);
    Files.writeString(run.resolve("events.jsonl"),
        "{\"time\":\"" + T0 + "\",\"event\":\"training-started\"}\n");

    RunFigures all = RunFigures.read(run);
    RunFigures late = RunFigures.read(run, 2);

    assertEquals(10.0, late.stepMillis().get("a"), 1e-9, "epoch 2 without its first window");
    assertEquals(10.0, late.meanStepMillis(), 1e-9);
    assertEquals(0.2, late.waitShare(), 1e-9);
    assertEquals(55.0, all.stepMillis().get("a"), 1e-9, "the median of both epochs' later windows, 3 of 100 ms and 3 of 10");
    // the counted reports: epoch 2 from its second window on; b started 0.5 s after a
    RunFigures.Window window = late.window();
    assertEquals(List.of(T0.plusMillis(2100), T0.plusMillis(2200), T0.plusMillis(2300)),
        window.points().get("b").stream().map(RunFigures.Window.Point::time).toList());
    assertEquals(20, window.steps("b", T0.plusMillis(2100), T0.plusMillis(2300)), 1e-9, "b: from step 60 to 80");
    // within one peer's reports, steps are interpolated: a's reports at 1.6 s (step 60) and 1.7 s (step 70)
    RunFigures.Window.Point first = window.points().get("a").get(0);
    assertEquals(60, first.step());
    // (b has no counted report before 2.1 s: none of its steps count there)
    assertEquals(5.0, window.steps(T0.plusMillis(1600), T0.plusMillis(1650)), 1e-6);
    assertEquals(List.of("a", "b"), List.of(window.peersAt("127.0.0.1:7001").get(0), window.peersAt("127.0.0.1:7002").get(0)));
    // epochs: from one epoch's end to the next
    assertEquals(List.of(1000.0 + 400.0), late.epochMillis(2));
  }
}
