package dev.cohort.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * What the flight recordings of one pinned run ({@link PinnedCohort}, every JVM recording) say
 * about its measured window: where the Pekko threads' CPU samples fall (Artery's encoding,
 * decoding and TCP stages, cluster and Receptionist gossip, idle dispatcher threads looking for
 * work, Cohort's own code), bytes allocated and Artery frames sent per step, GC pauses, and the
 * exchange's timing from Cohort's own events ({@link #SETTINGS_EXTRA}): predictions on the wire
 * (sent by the teacher's trainer to arrived in the student's inbox, clocks of one machine) and the
 * wake-up of a trainer blocked waiting for them (arrival to taken).
 */
record RuntimeProfile(
    Map<String, Integer> pekkoSamples,
    Map<ThreadCpu.Group, Double> allocatedBytesPerStep,
    double framesPerStep,
    double frameBytesPerStep,
    double gcPauseMillisPerStep,
    List<Double> wireMicros,
    List<Double> wakeUpMicros,
    List<Double> waitMicros) {

  /** Enables what the JDK's {@code profile} settings leave off: Artery's per-frame TCP events. */
  static final String SETTINGS_EXTRA = """
        <event name="org.apache.pekko.remote.artery.jfr.TcpOutboundSent"><setting name="enabled">true</setting></event>
        <event name="org.apache.pekko.remote.artery.jfr.TcpInboundReceived"><setting name="enabled">true</setting></event>
      """;

  /** The JDK's {@code profile} settings with {@link #SETTINGS_EXTRA}, written to {@code file}. */
  static Path writeSettings(Path file) throws IOException {
    String profile = Files.readString(Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc"));
    int end = profile.lastIndexOf("</configuration>");
    if (end < 0) {
      throw new IOException("the JDK's profile.jfc has no </configuration>");
    }
    Files.createDirectories(file.getParent());
    Files.writeString(file, profile.substring(0, end) + SETTINGS_EXTRA + profile.substring(end));
    return file;
  }

  /** Reads the recordings of one run over the measured window: from the first peer's first counted report to the last's last. */
  static RuntimeProfile read(List<Path> recordings, RunFigures.Window window) throws IOException {
    Instant from = window.points().values().stream().map(p -> p.get(0).time()).min(Instant::compareTo).orElseThrow();
    Instant to = window.points().values().stream().map(p -> p.get(p.size() - 1).time()).max(Instant::compareTo).orElseThrow();
    Map<String, Integer> samples = new TreeMap<>();
    Map<ThreadCpu.Group, Double> allocated = new LinkedHashMap<>();
    long frames = 0;
    long frameBytes = 0;
    double gcMillis = 0;
    Map<String, Instant> sent = new HashMap<>();
    Map<String, Instant> arrived = new HashMap<>();
    List<Double> wake = new ArrayList<>();
    List<Double> waits = new ArrayList<>();
    for (Path recording : recordings) {
      for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
        Instant time = event.getStartTime();
        if (time.isBefore(from) || time.isAfter(to)) {
          continue;
        }
        String type = event.getEventType().getName();
        switch (type) {
          case "jdk.ExecutionSample" -> {
            RecordedThread thread = event.getThread("sampledThread");
            if (thread != null && thread.getJavaName() != null && thread.getJavaName().startsWith("cohort-pekko")) {
              samples.merge(category(event), 1, Integer::sum);
            }
          }
          case "jdk.ObjectAllocationSample" -> {
            RecordedThread thread = event.getThread("eventThread");
            String name = thread == null || thread.getJavaName() == null ? "" : thread.getJavaName();
            allocated.merge(ThreadCpu.Group.of(name), (double) event.getLong("weight"), Double::sum);
          }
          case "org.apache.pekko.remote.artery.jfr.TcpOutboundSent" -> {
            frames++;
            frameBytes += event.getLong("size");
          }
          case "jdk.GarbageCollection" -> gcMillis += event.getDuration("sumOfPauses").toNanos() / 1e6;
          case "dev.cohort.PredictionSent" -> sent.put(key(event), time);
          case "dev.cohort.PredictionArrived" -> arrived.put(key(event), time);
          case "dev.cohort.TeacherWait" -> {
            waits.add(event.getDuration().toNanos() / 1e3);
            long wakeUp = event.getLong("wakeUp");
            if (wakeUp >= 0) {
              wake.add(wakeUp / 1e3);
            }
          }
          default -> {}
        }
      }
    }
    List<Double> wire = new ArrayList<>();
    sent.forEach((key, at) -> {
      Instant in = arrived.get(key);
      if (in != null) {
        wire.add(Duration.between(at, in).toNanos() / 1e3);
      }
    });
    double steps = window.steps(from, to); // all peers', one per JVM
    allocated.replaceAll((group, bytes) -> bytes / steps);
    return new RuntimeProfile(samples, allocated, frames / steps, frameBytes / steps, gcMillis / steps, wire, wake, waits);
  }

  private static String key(RecordedEvent event) {
    return event.getString("teacher") + ">" + event.getString("student") + "#" + event.getLong("batch");
  }

  /** What a Pekko thread was doing, by the frames of its stack. */
  static String category(RecordedEvent sample) {
    StringBuilder stack = new StringBuilder();
    String cohortClass = null;
    if (sample.getStackTrace() != null) {
      for (RecordedFrame frame : sample.getStackTrace().getFrames()) {
        String type = frame.getMethod().getType().getName();
        stack.append(type).append('.').append(frame.getMethod().getName()).append(' ');
        if (cohortClass == null && type.startsWith("dev.cohort.")) {
          cohortClass = type.substring(type.lastIndexOf('.') + 1);
        }
      }
    }
    String s = stack.toString();
    if (s.contains("artery.Encoder")) {
      return "Artery: encoding (serializer, envelope)";
    }
    if (s.contains("artery.Decoder") || s.contains("artery.Deserializer")) {
      return "Artery: decoding (envelope, serializer)";
    }
    if (s.contains("artery.tcp") || s.contains("stream.impl.io.Tcp") || s.contains("TcpConnectionStage")
        || s.contains("sun.nio.ch")) {
      return "Artery: TCP stages, selector";
    }
    if (s.contains("ddata") || s.contains("receptionist")) {
      return "Receptionist (distributed data) gossip";
    }
    if (s.contains("org.apache.pekko.cluster.")) {
      return "cluster membership, gossip, heartbeats";
    }
    if (cohortClass != null) {
      return "Cohort: " + cohortClass;
    }
    if (s.contains("ForkJoinPool.awaitWork") || s.contains("ForkJoinPool.scan") || s.contains("ForkJoinPool.runWorker ")
        && !s.contains("Mailbox")) {
      return "idle dispatcher threads looking for work (ForkJoinPool)";
    }
    if (s.contains("artery.")) {
      return "Artery: other stages (lanes, association, control)";
    }
    if (s.contains("GraphInterpreter")) {
      return "Pekko Streams machinery";
    }
    if (s.contains("Mailbox")) {
      return "actor mailboxes";
    }
    return "other";
  }
}
