package dev.cohort.actors.cli;

import dev.cohort.actors.launch.Launch;
import dev.cohort.actors.launch.UsageException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code run COHORT.conf [options]} or {@code run --resume RUN_DIR [options]}. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Runs a cohort file on a cluster of N nodes: this JVM, K more JVMs it starts on 127.0.0.1,"
        + " and the rest started by hand with 'cohort node'.",
        "With --resume, continues a stopped run from its peers' latest good checkpoints."})
final class RunCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", paramLabel = "COHORT.conf", description = "the cohort file")
  private Path cohortFile;

  @Option(names = "--resume", paramLabel = "RUN_DIR", description = "a stopped run's directory, e.g. runs/<id>")
  private Path resume;

  @Mixin
  private LaunchFlags flags;

  @Override
  public Integer call() throws Exception {
    if (resume != null) {
      if (cohortFile != null) {
        throw new UsageException("run takes a cohort file or --resume RUN_DIR, not both");
      }
      return Launch.resume(resume, flags.options(false));
    }
    if (cohortFile == null) {
      throw new UsageException("run needs a cohort file: cohort run COHORT.conf [options], or cohort run --resume RUN_DIR");
    }
    return Launch.run(cohortFile, flags.options(true));
  }
}
