package dev.cohort.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resident set of some processes, read from {@code /proc/PID/status} ({@code VmRSS}, all the
 * memory the process holds in RAM: heap, ND4J's native buffers, code, thread stacks) every
 * {@code everyMillis} while they live; {@link #peakMegabytes} is the largest seen per process.
 * Linux only; elsewhere nothing is seen.
 */
final class ResidentMemory implements AutoCloseable {

  private final Map<Long, Long> peakKilobytes = new ConcurrentHashMap<>();
  private final List<Long> pids;
  private final Thread sampler;
  private volatile boolean closed;

  ResidentMemory(List<Long> pids, long everyMillis) {
    this.pids = List.copyOf(pids);
    sampler = new Thread(() -> {
      while (!closed) {
        this.pids.forEach(pid -> {
          long kilobytes = residentKilobytes(pid);
          if (kilobytes > 0) {
            peakKilobytes.merge(pid, kilobytes, Math::max);
          }
        });
        try {
          Thread.sleep(everyMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "resident-memory");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** The largest resident set seen of each process that was seen at all, in MiB, in the order given. */
  List<Double> peakMegabytes() {
    List<Double> peaks = new ArrayList<>();
    for (long pid : pids) {
      Long peak = peakKilobytes.get(pid);
      if (peak != null) {
        peaks.add(peak / 1024.0);
      }
    }
    return peaks;
  }

  /** {@code VmRSS} of a live process, in KiB; 0 when it is gone or the file is not there. */
  static long residentKilobytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not Linux
    }
    return 0;
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    sampler.interrupt();
    sampler.join(5_000);
  }
}
