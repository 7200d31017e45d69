package dev.cohort.actors.cli;

import dev.cohort.actors.args.Arguments;
import dev.cohort.actors.args.UsageException;
import dev.cohort.actors.bench.DashboardBenchmark;
import dev.cohort.actors.bench.LearningBenchmark;
import dev.cohort.actors.bench.SpeedBenchmark;
import dev.cohort.actors.launch.Launch;

import com.typesafe.config.ConfigException;
import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.model.DatasetException;
import java.util.Arrays;

/** The {@code cohort} command line. Errors in input end with one line naming the culprit, exit code 2. */
public final class Main {

  private static final String USAGE =
      """
      usage:
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
        cohort predict MODEL.zip INPUT... [--top K]
            JSON lines with the top K classes of each example in IDX image files, CSV files or images
        cohort fuse RUN_DIR --into PRESET [--epochs N] [--out FILE]
            distils the run's peers (their averaged softened predictions) into one fresh student,
            PRESET mlp:256 | mlp:500,300 | cnn | cnn:20,50:500, and compares it with every peer
        cohort bench learning [--seeds N] [--subset N] [--subset-epochs E] [--full-epochs E] [--noise P]
                              [--settings subset,full,noise] [--modes MODE,...] [--out FILE] [--set key=value]...
            test accuracy of each topology over N seeds, on a subset, the full set and the subset
            with label noise P; MODES: independent, dml, ensemble, pair-independent, pair-dml,
            pair-dml-lambda2, pair-dml-validation, pair-dml-selective, ta-independent, ta-chain,
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

  private static int bench(java.util.List<String> words) throws Exception {
    if (!words.isEmpty() && words.get(0).equals("dashboard")) {
      return DashboardBenchmark.run(new Arguments(words.subList(1, words.size())));
    }
    if (!words.isEmpty() && words.get(0).equals("speed")) {
      return SpeedBenchmark.run(new Arguments(words.subList(1, words.size())));
    }
    return LearningBenchmark.run(words);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs one command; its exit code (0 done, 1 the run failed, 2 bad input). */
  public static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      System.out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    Arguments rest = new Arguments(Arrays.asList(args).subList(1, args.length));
    try {
      return switch (args[0]) {
        case "demo" -> Launch.demo(rest);
        case "run" -> Launch.run(rest);
        case "node" -> NodeCommand.run(rest);
        case "extract" -> ExtractCommand.run(rest);
        case "evaluate" -> EvaluateCommand.run(rest);
        case "predict" -> PredictCommand.run(rest);
        case "fuse" -> FuseCommand.run(rest);
        case "report" -> ReportCommand.run(rest);
        case "bench" -> bench(Arguments.remaining(rest));
        default -> throw new UsageException("unknown command '" + args[0] + "'");
      };
    } catch (UsageException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(USAGE);
      return 2;
    } catch (CohortConfigException | DatasetException | ConfigException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      System.err.println("error: " + e);
      e.printStackTrace();
      return 1;
    }
  }
}
