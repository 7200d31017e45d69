package dev.cohort.actors.cli;

import dev.cohort.actors.args.UsageException;
import dev.cohort.actors.bench.DashboardBenchmark;
import dev.cohort.actors.bench.LearningBenchmark;
import dev.cohort.actors.bench.SpeedBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code bench learning | dashboard | speed}: the benchmarks, which write docs/RESULTS.md, DASHBOARD.md, PERFORMANCE.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "The benchmarks: learning (docs/RESULTS.md), dashboard (docs/DASHBOARD.md), speed (docs/PERFORMANCE.md).",
    subcommands = {LearningBenchmark.class, DashboardBenchmark.class, SpeedBenchmark.class})
final class BenchCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw new UsageException("the benchmarks are: cohort bench learning|dashboard|speed [options]");
  }
}
