package dev.cohort.bench;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;
import org.nd4j.linalg.profiler.data.StringAggregator;
import org.nd4j.linalg.profiler.data.StringCounter;
import org.nd4j.linalg.profiler.data.primitives.ComparableAtomicLong;
import org.nd4j.linalg.profiler.data.primitives.TimeSet;

/**
 * The native ops of a piece of work, from ND4J's own op profiler (profiling mode OPERATIONS with
 * elapsed-time checks): how many calls of each op, and the time of the calls ND4J's profiler
 * times by name, those over 0.1 ms; shorter calls count only in the total per op class. ND4J
 * prints its tables to stdout; its counters are read here instead (fields of {@code OpProfiler}
 * in ND4J 1.0.0-M2.1).
 */
public final class Nd4jOps {

  /** One op: calls per step, and ms per step of its calls over 0.1 ms. */
  public record Op(String name, double callsPerStep, double longCallMillisPerStep) {}

  /** Ops by time, then by calls; all op calls per step; ms per step in all ops (every call timed). */
  public record Result(List<Op> ops, double callsPerStep, double opMillisPerStep) {}

  private Nd4jOps() {}

  /** Profiles {@code steps} runs of {@code step}. */
  public static Result profile(Runnable step, int steps) {
    OpExecutioner executioner = Nd4j.getExecutioner();
    OpProfiler profiler = OpProfiler.getInstance();
    executioner.setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
    executioner.setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
    profiler.reset();
    try {
      for (int i = 0; i < steps; i++) {
        step.run();
      }
    } finally {
      executioner.setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
      executioner.setProfilingConfig(ProfilerConfig.builder().build());
    }
    try {
      Result result = read(profiler, steps);
      profiler.reset();
      return result;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("ND4J's OpProfiler no longer has the counters read here (written for 1.0.0-M2.1)", e);
    }
  }

  private static Result read(OpProfiler profiler, int steps) throws ReflectiveOperationException {
    Map<String, ComparableAtomicLong> calls = field(field(profiler, "opCounter", StringCounter.class), "counter");
    Map<String, TimeSet> longCalls = field(field(profiler, "longAggergator", StringAggregator.class), "times");
    Map<String, TimeSet> byClass = field(field(profiler, "classAggergator", StringAggregator.class), "times");
    Map<String, Long> longNanos = new HashMap<>();
    longCalls.forEach((key, times) -> longNanos.merge(opName(key), times.getSum(), Long::sum));
    List<Op> ops = new ArrayList<>();
    long allCalls = 0;
    for (Map.Entry<String, ComparableAtomicLong> e : calls.entrySet()) {
      long n = e.getValue().get();
      if (n == 0) {
        continue;
      }
      allCalls += n;
      ops.add(new Op(e.getKey(), (double) n / steps, longNanos.getOrDefault(e.getKey(), 0L) / 1e6 / steps));
    }
    ops.sort((a, b) -> a.longCallMillisPerStep() != b.longCallMillisPerStep()
        ? Double.compare(b.longCallMillisPerStep(), a.longCallMillisPerStep())
        : Double.compare(b.callsPerStep(), a.callsPerStep()));
    long allNanos = byClass.values().stream().mapToLong(TimeSet::getSum).sum();
    return new Result(ops, (double) allCalls / steps, allNanos / 1e6 / steps);
  }

  /** "CustomOp im2col (-2528295086029980894)" → "im2col". */
  private static String opName(String key) {
    String[] words = key.split(" ");
    return words.length >= 2 ? words[1] : key;
  }

  @SuppressWarnings("unchecked")
  private static <T> T field(Object owner, String name, Class<T> type) throws ReflectiveOperationException {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return type.cast(field.get(owner));
  }

  @SuppressWarnings("unchecked")
  private static <K, V> Map<K, V> field(Object owner, String name) throws ReflectiveOperationException {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return (Map<K, V>) field.get(owner);
  }
}
