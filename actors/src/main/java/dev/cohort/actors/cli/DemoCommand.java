package dev.cohort.actors.cli;

import dev.cohort.actors.launch.Launch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code demo [the options of run]}. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Three MLP peers learn Fashion-MNIST from each other on a two-node local cluster.")
final class DemoCommand implements Callable<Integer> {

  @Mixin
  private LaunchFlags flags;

  @Override
  public Integer call() throws Exception {
    return Launch.demo(flags.options(true));
  }
}
