package dev.cohort.bench;

import dev.cohort.actors.cli.Main;
import dev.cohort.actors.launch.UsageException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code cohort bench learning | dashboard | speed | scale}: the benchmarks, which write
 * docs/RESULTS.md, DASHBOARD.md, PERFORMANCE.md, SCALE.md; added to the command line through {@link Main.AddedCommand}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "The benchmarks: learning (docs/RESULTS.md), dashboard (docs/DASHBOARD.md), speed (docs/PERFORMANCE.md), scale (docs/SCALE.md).",
    subcommands = {LearningBenchmark.class, DashboardBenchmark.class, SpeedBenchmark.class, ScaleBenchmark.class, StepAlone.class})
public final class BenchCommand implements Callable<Integer>, Main.AddedCommand {

  @Override
  public Integer call() {
    throw new UsageException("the benchmarks are: cohort bench learning|dashboard|speed|scale [options]");
  }
}
