package dev.cohort.actors.cli;

import com.typesafe.config.ConfigException;
import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.actors.launch.UsageException;
import dev.cohort.model.data.DatasetException;
import java.io.PrintWriter;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * The {@code cohort} command line, parsed by picocli: {@code cohort COMMAND --help} for each
 * command's options. Errors in input end with one line naming the culprit (and picocli's guesses
 * for a misspelt command or option), exit code 2.
 */
public final class Main {

  private static final String USAGE =
      """
      usage (cohort COMMAND --help lists one command's options):
        cohort demo [the options of run]
            three MLP peers learn Fashion-MNIST from each other on a two-node local cluster
        cohort run COHORT.conf [--nodes N] [--spawn K] [--port P] [--data DIR] [--set key=value]...
                               [--overlay NAME]... [--join HOST:PORT] [--roles R1,R2]
            runs a cohort file on a cluster of N nodes (default: cohort.cluster.nodes): this JVM,
            K more JVMs it starts on 127.0.0.1 (default N-1), and the rest started by hand with
            'cohort node'; P is this node's port (default: any free port). --join hands the run to
            a cluster that is already up. Overlays: multi-host, tls, kubernetes, or a .conf file
            (also COHORT_OVERLAYS=a,b)
        cohort run --resume RUN_DIR [--nodes N] [--spawn K] [--port P] [--overlay NAME]...
            continues a stopped run from its peers' latest good checkpoints
        cohort node --seed HOST:PORT [--host H] [--port P] [--slots N] [--roles R1,R2]
                    [--overlay NAME]... [--log-file FILE] [--exit-when-finished]
            one node that joins an existing cluster (seeds also from COHORT_SEEDS=h:p,h:p); it hosts
            peers (role trainer) and can take over the coordinator (role coordinator)
        cohort extract RUN_DIR [--metric val_accuracy|val_nll|smallest-within:POINTS] [--out FILE]
            chooses the final model among the run's peers on the validation split, from their latest
            checkpoints; writes it (default RUN_DIR/extracted/PEER/model.zip) with its model card
        cohort extract --live URL [--token T | --run RUN_DIR] [--metric M]
            the same, now, by a running cohort's dashboard (token: --token, COHORT_TOKEN, or the
            run directory's dashboard.token)
        cohort report RUN_DIR
            writes RUN_DIR/report.html (self-contained) and accuracy.png, loss.png from its logs
        cohort evaluate MODEL.zip --data PATH [--split test|train] [--png FILE] [--label-column N] [--no-header]
            accuracy, NLL, calibration error, per-class accuracy, confusion matrix (text and PNG) on
            an IDX folder's split (test by default) or a labelled CSV file
        cohort predict MODEL.zip INPUT... [--top K] [--header]
            JSON lines with the top K classes of each example in IDX image files, CSV files or images
        cohort fuse RUN_DIR --into PRESET [--epochs N] [--out FILE]
            distils the run's peers (their averaged softened predictions) into one fresh student,
            PRESET mlp:256 | mlp:500,300 | cnn | cnn:20,50:500, and compares it with every peer
        cohort bench ...   (the benchmarks: with the bench module on the class path, as ./cohort runs)
        cohort bench learning [--seeds N] [--subset N] [--subset-epochs E] [--full-epochs E] [--noise P]
                              [--settings subset,full,noise] [--modes MODE,...] [--out FILE] [--set key=value]...
            test accuracy of each topology over N seeds, on a subset, the full set and the subset
            with label noise P; MODES: independent, dml, ensemble, pair-independent, pair-dml,
            pair-dml-lambda2, pair-dml-lambda3, pair-dml-lambda5, pair-dml-validation,
            pair-dml-selective, ta-independent, ta-chain,
            ta-chain-validation, ta-chain-correction, ta-chain-selective, ta-chain-t1; written to
            docs/RESULTS.md
        cohort bench dashboard [--peers N] [--rate R] [--clients C] [--seconds S] [--out FILE]
            N simulated peers reporting R times a second through a real coordinator to C SSE
            clients: delivery, latency, drops, backlog; written to docs/DASHBOARD.md
        cohort bench speed [--reps N] [--mlp-steps S] [--cnn-steps S] [--micro-steps S] [--seeds N]
                           [--epochs E] [--threads T] [--only PARTS] [--match REGEX] [--no-accuracy]
                           [--quick] [--out FILE]
            step times (DL4J's fit, Cohort's step, PyTorch's interleaved), profiles of one step
            (JFR, ND4J's op profiler, layer by layer), the runtime (independent vs mutual, one and
            two JVMs), waiting and codec shares, bytes per encoding, time to first step, the
            encodings' effect on accuracy, the LeNet step's changes; written to docs/PERFORMANCE.md;
            PARTS: some of step,profile,codec,runtime,accuracy,cnn
      """;

  private Main() {}

  /** The commands, for picocli; {@link #USAGE} is the overview that {@code cohort --help} prints. */
  @Command(name = "cohort", subcommands = {DemoCommand.class, RunCommand.class, NodeCommand.class, ExtractCommand.class,
      ReportCommand.class, EvaluateCommand.class, PredictCommand.class, FuseCommand.class})
  static final class Cohort implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new UsageException("a command is needed: " + String.join(", ", COMMANDS));
    }
  }

  /**
   * A command another module adds to this command line, found on the class path through {@link
   * ServiceLoader} (META-INF/services): the benchmarks' {@code cohort bench}, which uses the
   * runtime but which the runtime must not know. A picocli {@code @Command} class.
   */
  public interface AddedCommand {}

  private static final List<String> COMMANDS =
      List.of("demo", "run", "node", "extract", "report", "evaluate", "predict", "fuse", "bench");

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs one command; its exit code (0 done, 1 the run failed, 2 bad input). */
  public static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      System.out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    CommandLine cli = new CommandLine(new Cohort());
    ServiceLoader.load(AddedCommand.class).forEach(cli::addSubcommand);
    cli.setOut(new PrintWriter(System.out, true));
    cli.setErr(new PrintWriter(System.err, true));
    cli.setExpandAtFiles(false); // a path may start with @
    cli.setParameterExceptionHandler(Main::usageError);
    cli.setExecutionExceptionHandler(Main::failure);
    withoutVersionOption(cli);
    return cli.execute(args);
  }

  /** picocli's standard mixin brings -V/--version too, which would print nothing here. */
  private static void withoutVersionOption(CommandLine command) {
    OptionSpec version = command.getCommandSpec().findOption("--version");
    if (version != null) {
      command.getCommandSpec().remove(version);
    }
    command.getSubcommands().values().forEach(Main::withoutVersionOption);
  }

  /** A word picocli could not take: one line that names it, with picocli's guesses, exit code 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    String name = command.getCommandSpec().qualifiedName(" ");
    StringBuilder line = new StringBuilder("error: ");
    if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
      String word = unmatched.getUnmatched().get(0);
      if (word.startsWith("-")) {
        line.append("unknown option '").append(word).append("' for ").append(name);
      } else if (!command.getSubcommands().isEmpty()) {
        line.append("unknown command '").append(word).append("'");
      } else {
        line.append("unexpected argument '").append(word).append("' for ").append(name);
      }
      List<String> guesses = unmatched.getSuggestions();
      if (!guesses.isEmpty()) {
        line.append(" (did you mean ").append(String.join(" or ", guesses.subList(0, Math.min(3, guesses.size()))))
            .append("?)");
      }
    } else {
      line.append(name).append(": ").append(e.getMessage());
    }
    line.append("; '").append(name).append(" --help' lists ")
        .append(command.getSubcommands().isEmpty() ? "its options" : "the commands");
    command.getErr().println(line);
    return 2;
  }

  /** An error of the input (one line, exit code 2) or of the run (with its stack trace, exit code 1). */
  private static int failure(Exception e, CommandLine command, ParseResult parsed) {
    if (e instanceof UsageException || e instanceof CohortConfigException || e instanceof DatasetException
        || e instanceof ConfigException) {
      command.getErr().println("error: " + e.getMessage());
      return 2;
    }
    command.getErr().println("error: " + e);
    e.printStackTrace(command.getErr());
    return 1;
  }
}
