package dev.cohort.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CPU time of every thread of some processes (and of the processes they started), from Linux's {@code /proc/PID/task/TID/stat} and
 * {@code status}, sampled every {@code intervalMillis} (reading them costs CPU too: keep it to a second or so) by a thread of its own until {@link #close}:
 * all of a JVM's threads, not only its Java ones (GC, JIT, the VM thread), with their voluntary and
 * involuntary context switches (a thread that blocks and is woken again, one that is preempted).
 * Threads are grouped by the name Linux keeps (the first 15 characters of the Java name).
 */
final class ThreadCpu implements AutoCloseable {

  /** What a thread does, told by its name. */
  enum Group {
    TRAINER("trainer"),
    DISPATCHERS("Pekko dispatchers"),
    ARTERY("Artery"),
    GC("GC, VM thread"),
    JIT("JIT"),
    OTHER("other");

    final String label;

    Group(String label) {
      this.label = label;
    }

    /** Linux's name of a thread of a Cohort node (the actor system is {@code cohort}). */
    static Group of(String comm) {
      if (comm.startsWith("cohort-cohort-t")) {
        return TRAINER; // cohort-trainer-dispatcher
      }
      if (comm.startsWith("cohort-pekko.re") || comm.startsWith("cohort-pekko.io")) {
        return ARTERY; // the remote dispatcher (Artery's streams) and the TCP selector
      }
      if (comm.startsWith("cohort-")) {
        return DISPATCHERS; // default, internal, blocking-io dispatchers, the scheduler
      }
      if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
        return JIT;
      }
      if (comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.equals("VM Thread")) {
        return GC; // on one core the JVM picks the serial collector, which runs in the VM thread
      }
      return OTHER;
    }
  }

  /** CPU seconds and context switches of a group over a window. */
  record Usage(double cpuSeconds, long voluntary, long involuntary) {
    Usage plus(Usage other) {
      return new Usage(cpuSeconds + other.cpuSeconds, voluntary + other.voluntary, involuntary + other.involuntary);
    }
  }

  private record Sample(String comm, long ticks, long voluntary, long involuntary) {}

  private record Snapshot(Instant time, Map<String, Sample> threads) {}

  private static final double TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Java runs on

  private final List<Long> pids;
  private final List<Snapshot> snapshots = new ArrayList<>();
  private final Thread sampler;
  private volatile boolean stopped;

  ThreadCpu(List<Long> pids, long intervalMillis) {
    this.pids = List.copyOf(pids);
    this.sampler = new Thread(() -> {
      while (!stopped) {
        Snapshot snapshot = snapshot();
        synchronized (snapshots) {
          snapshots.add(snapshot);
        }
        try {
          Thread.sleep(intervalMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "thread-cpu-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  private Snapshot snapshot() {
    Map<String, Sample> threads = new HashMap<>();
    for (long pid : pids) {
      // the process and what it started (a wrapper's JVM): all of it counts as the process's
      List<Long> tree = new java.util.ArrayList<>(List.of(pid));
      ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> tree.add(d.pid())));
      for (long member : tree) {
        Path tasks = Path.of("/proc", String.valueOf(member), "task");
        try (Stream<Path> list = Files.list(tasks)) {
          for (Path task : list.toList()) {
            Sample sample = read(task);
            if (sample != null) {
              threads.put(pid + "/" + member + "/" + task.getFileName(), sample);
            }
          }
        } catch (IOException | java.io.UncheckedIOException e) {
          // the process has exited: nothing more of it
        }
      }
    }
    return new Snapshot(Instant.now(), threads);
  }

  /** One thread's line of {@code stat} (name in parentheses, then utime and stime at fields 14, 15) and its switches. */
  static Sample read(Path task) {
    try {
      String stat = Files.readString(task.resolve("stat"));
      String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      long voluntary = 0;
      long involuntary = 0;
      for (String line : Files.readAllLines(task.resolve("status"))) {
        if (line.startsWith("voluntary_ctxt_switches:")) {
          voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
          involuntary = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      return new Sample(comm, ticks, voluntary, involuntary);
    } catch (IOException | RuntimeException e) {
      return null; // the thread ended between the listing and the read
    }
  }

  /** What the threads used in a span of time that snapshots bound. */
  record Span(Instant from, Instant to, Map<Group, Usage> usage) {}

  /**
   * Per group, what the threads of process {@code pid} used between the first snapshot at or after
   * {@code from} and the last at or before {@code to}: a span within the window, whose ends are
   * snapshots; null when fewer than two snapshots fall in the window.
   */
  Span within(long pid, Instant from, Instant to) {
    List<Snapshot> taken;
    synchronized (snapshots) {
      taken = List.copyOf(snapshots);
    }
    Snapshot start = null;
    Snapshot end = null;
    for (Snapshot s : taken) {
      if (start == null && !s.time().isBefore(from)) {
        start = s;
      }
      if (!s.time().isAfter(to)) {
        end = s;
      }
    }
    if (start == null || end == null || !end.time().isAfter(start.time())) {
      return null;
    }
    Map<Group, Usage> usage = new EnumMap<>(Group.class);
    String process = pid + "/";
    for (Map.Entry<String, Sample> thread : end.threads().entrySet()) {
      if (!thread.getKey().startsWith(process)) {
        continue;
      }
      Sample last = thread.getValue();
      Sample first = start.threads().getOrDefault(thread.getKey(), new Sample(last.comm(), 0, 0, 0));
      usage.merge(Group.of(last.comm()), new Usage((last.ticks() - first.ticks()) / TICKS_PER_SECOND,
          last.voluntary() - first.voluntary(), last.involuntary() - first.involuntary()), Usage::plus);
    }
    return new Span(start.time(), end.time(), usage);
  }

  @Override
  public void close() {
    stopped = true;
    sampler.interrupt();
    try {
      sampler.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
