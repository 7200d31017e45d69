package dev.cohort.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a thread's time goes, from JDK Flight Recorder: execution samples (the thread in Java)
 * and native-method samples (the thread inside a JNI call, where ND4J's ops run), every
 * millisecond, each attributed to the deepest frame of DL4J or Cohort on its stack (with its line)
 * and, where that frame called into ND4J, to the ND4J method it called and the native method
 * below. So {@code ConvolutionLayer.preOutput:452 → Convolution.im2col → native} reads "the
 * im2col op of a convolution's forward pass".
 */
public final class HotFrames {

  /** One place in the code and the share of the thread's samples that landed there. */
  public record Spot(String where, int samples, double share) {}

  /** What a recording saw: the spots, most samples first, and how many samples in all. */
  public record Result(List<Spot> spots, int samples) {}

  private HotFrames() {}

  /** Runs {@code work} on this thread under JFR and attributes this thread's samples. */
  public static Result record(Runnable work) throws IOException {
    Path file = Files.createTempFile("cohort-profile", ".jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
      recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(1));
      recording.start();
      work.run();
      recording.stop();
      recording.dump(file);
      return attribute(RecordingFile.readAllEvents(file), Thread.currentThread().getId());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Result attribute(List<RecordedEvent> events, long threadId) {
    Map<String, Integer> counts = new HashMap<>();
    int total = 0;
    for (RecordedEvent event : events) {
      if (event.getThread("sampledThread") == null || event.getThread("sampledThread").getJavaThreadId() != threadId
          || event.getStackTrace() == null) {
        continue;
      }
      boolean inNative = event.getEventType().getName().equals("jdk.NativeMethodSample");
      counts.merge(where(event.getStackTrace(), inNative), 1, Integer::sum);
      total++;
    }
    int all = total;
    List<Spot> spots = counts.entrySet().stream()
        .map(e -> new Spot(e.getKey(), e.getValue(), all == 0 ? 0 : (double) e.getValue() / all))
        .sorted((a, b) -> Integer.compare(b.samples(), a.samples()))
        .toList();
    return new Result(spots, total);
  }

  private static String where(RecordedStackTrace stack, boolean inNative) {
    List<RecordedFrame> frames = stack.getFrames();
    for (int i = 0; i < frames.size(); i++) {
      String type = frames.get(i).getMethod().getType().getName();
      if (type.startsWith("org.deeplearning4j.") || type.startsWith("dev.cohort.")) {
        StringBuilder where = new StringBuilder(name(frames.get(i))).append(':').append(frames.get(i).getLineNumber());
        if (i > 0 && frames.get(i - 1).getMethod().getType().getName().startsWith("org.nd4j.")) {
          where.append(" → ").append(name(frames.get(i - 1)));
        }
        return where.append(inNative ? " → native" : "").toString();
      }
    }
    return frames.isEmpty() ? "(no frames)" : name(frames.get(0)) + (inNative ? " → native" : "");
  }

  private static String name(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
  }
}
