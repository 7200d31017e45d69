package dev.cohort.actors.cli;

import dev.cohort.actors.dashboard.RunReport;
import dev.cohort.actors.extract.RunModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code report RUN_DIR}: (re)writes a run's self-contained {@code report.html} and its PNG plots. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Writes RUN_DIR/report.html (self-contained) and accuracy.png, loss.png from the run's logs.")
final class ReportCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run directory, e.g. runs/<id>")
  private Path runDirectory;

  @Override
  public Integer call() throws IOException {
    Path report = RunReport.write(RunModels.settings(runDirectory));
    System.out.println("report: " + report.toAbsolutePath());
    System.out.println("plots:  " + report.resolveSibling("accuracy.png").toAbsolutePath() + ", "
        + report.resolveSibling("loss.png").toAbsolutePath());
    return 0;
  }
}
