package dev.cohort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The per-thread CPU sampler reads Linux's own accounting and files each thread in the right group. */
class ThreadCpuTest {

  @Test
  void threadsAreGroupedByTheNamesLinuxKeeps() {
    // Linux keeps the first 15 characters of a Java thread's name
    assertEquals(ThreadCpu.Group.TRAINER, ThreadCpu.Group.of("cohort-cohort-t"));
    assertEquals(ThreadCpu.Group.ARTERY, ThreadCpu.Group.of("cohort-pekko.re"));
    assertEquals(ThreadCpu.Group.ARTERY, ThreadCpu.Group.of("cohort-pekko.io"));
    assertEquals(ThreadCpu.Group.DISPATCHERS, ThreadCpu.Group.of("cohort-pekko.ac"));
    assertEquals(ThreadCpu.Group.DISPATCHERS, ThreadCpu.Group.of("cohort-schedule"));
    assertEquals(ThreadCpu.Group.JIT, ThreadCpu.Group.of("C2 CompilerThre"));
    assertEquals(ThreadCpu.Group.JIT, ThreadCpu.Group.of("C1 CompilerThre"));
    assertEquals(ThreadCpu.Group.GC, ThreadCpu.Group.of("VM Thread"));
    assertEquals(ThreadCpu.Group.GC, ThreadCpu.Group.of("GC Thread#0"));
    assertEquals(ThreadCpu.Group.OTHER, ThreadCpu.Group.of("main"));
  }

  @Test
  void aBusyThreadsCpuTimeIsCountedInItsGroupOverTheSpan() throws Exception {
    long pid = ManagementFactory.getRuntimeMXBean().getPid();
    AtomicBoolean stop = new AtomicBoolean();
    long[] sink = new long[1];
    // named like a trainer's thread, so that its time lands in TRAINER and nowhere else
    Thread busy = new Thread(() -> {
      long x = 0;
      while (!stop.get()) {
        x += System.nanoTime() % 7;
      }
      sink[0] = x;
    }, "cohort-cohort-trainer-dispatcher-1");
    try (ThreadCpu sampler = new ThreadCpu(List.of(pid), 50)) {
      busy.start();
      Instant from = Instant.now();
      Thread.sleep(1_500);
      Instant to = Instant.now();
      stop.set(true);
      busy.join();
      ThreadCpu.Span span = sampler.within(pid, from, to);
      assertNotNull(span, "snapshots every 50 ms fall within 1.5 s");
      double wall = java.time.Duration.between(span.from(), span.to()).toNanos() / 1e9;
      double trainer = span.usage().get(ThreadCpu.Group.TRAINER).cpuSeconds();
      // a spinning thread runs most of the span, however busy the machine; never more than all of it
      assertTrue(trainer > 0.2 * wall && trainer <= wall + 0.05, "trainer " + trainer + " s in " + wall + " s");
      assertTrue(!span.from().isBefore(from) && !span.to().isAfter(to), "the span lies within the window");
    }
    assertTrue(sink[0] >= 0);
  }

  @Test
  void aSpanThatHoldsNoTwoSnapshotsIsNone() throws Exception {
    long pid = ManagementFactory.getRuntimeMXBean().getPid();
    try (ThreadCpu sampler = new ThreadCpu(List.of(pid), 60_000)) {
      Instant now = Instant.now();
      assertEquals(null, sampler.within(pid, now.plusSeconds(1), now.plusSeconds(2)));
    }
  }
}
