package dev.cohort.actors.cli;

import dev.cohort.actors.args.Arguments;
import dev.cohort.actors.args.UsageException;

import dev.cohort.actors.dashboard.RunReport;
import dev.cohort.actors.extract.RunModels;
import java.io.IOException;
import java.nio.file.Path;

/** {@code report RUN_DIR}: (re)writes a run's self-contained {@code report.html} and its PNG plots. */
final class ReportCommand {

  private ReportCommand() {}

  static int run(Arguments arguments) throws IOException {
    if (!arguments.hasMore()) {
      throw new UsageException("report needs a run directory: cohort report RUN_DIR");
    }
    Path runDirectory = Path.of(arguments.next());
    if (arguments.hasMore()) {
      throw new UsageException("report takes only a run directory, found also '" + arguments.next() + "'");
    }
    Path report = RunReport.write(RunModels.settings(runDirectory));
    System.out.println("report: " + report.toAbsolutePath());
    System.out.println("plots:  " + report.resolveSibling("accuracy.png").toAbsolutePath() + ", "
        + report.resolveSibling("loss.png").toAbsolutePath());
    return 0;
  }
}
