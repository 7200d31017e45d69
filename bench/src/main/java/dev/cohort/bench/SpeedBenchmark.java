package dev.cohort.bench;

import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.launch.UsageException;
import dev.cohort.model.data.IdxDataset;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.io.AtomicFiles;
import dev.cohort.model.nn.CnnPreset;
import dev.cohort.model.nn.MlpPreset;
import dev.cohort.model.nn.StepEngine;
import dev.cohort.protocol.Encoding;
import dev.cohort.protocol.ProbabilityCodec;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort bench speed}: how much of the machine goes into learning. Measures, on this
 * machine, in one command: the step alone (DL4J's fit, Cohort's step, PyTorch's, in rounds),
 * profiles of one step (JFR, ND4J's op profiler, layer by layer), the per-peer step of
 * the real runtime for independent and mutual learning (K = 2, 3; one JVM and two), waiting and
 * codec shares, bytes on the wire, time to the first step, the encodings' cost and their effect on
 * accuracy, and where the CNN step goes. Writes {@code docs/PERFORMANCE.md}.
 */
@Command(name = "speed", mixinStandardHelpOptions = true,
    description = {"Step times (DL4J's fit, Cohort's step, PyTorch's interleaved), profiles of one step (JFR, ND4J's"
        + " op profiler, layer by layer), the runtime (independent vs mutual, one and two JVMs), waiting and codec"
        + " shares, bytes per encoding, time to first step, the encodings' effect on accuracy; written to"
        + " docs/PERFORMANCE.md."})
public final class SpeedBenchmark implements Callable<Integer> {

  @Option(names = "--reps", paramLabel = "N", description = "rounds of the step measurement (default: 5; --quick: 1)")
  private Integer reps;

  @Option(names = "--mlp-steps", paramLabel = "S", description = "MLP steps of the runtime part (default: 300; --quick: 60)")
  private Integer mlpSteps;

  @Option(names = "--cnn-steps", paramLabel = "S", description = "LeNet steps of the runtime part (default: 30; --quick: 12)")
  private Integer cnnSteps;

  @Option(names = "--micro-steps", paramLabel = "S", description = "steps per timing of the step part (default: 100; --quick: 20)")
  private Integer microSteps;

  @Option(names = "--seeds", paramLabel = "N", description = "seeds of the accuracy part (default: 2; --quick: 1)")
  private Integer seeds;

  @Option(names = "--epochs", paramLabel = "E", description = "epochs of the accuracy part (default: 8; --quick: 1)")
  private Integer epochs;

  @Option(names = "--threads", paramLabel = "T", defaultValue = "1", description = "threads of each step (default: ${DEFAULT-VALUE})")
  private int threads;

  @Option(names = "--node-steps", paramLabel = "S", description = "MLP steps per epoch of the nodes part (default: 300; --quick: 100)")
  private Integer nodeSteps;

  @Option(names = "--node-epochs", paramLabel = "E", description = "epochs of the nodes part, the first half unmeasured (default: 6; --quick: 2)")
  private Integer nodeEpochs;

  @Option(names = "--profile-nodes", description = "the nodes part also records each K = 2 configuration once with JFR in every JVM")
  private boolean profileNodes;

  @Option(names = "--variant", paramLabel = "NAME=OPTIONS",
      description = "the nodes part also runs every configuration with these JVM options (space-separated), right after it runs as it is (repeatable)")
  private Map<String, String> variants;

  @Option(names = "--netns", description = "the nodes part also runs every configuration with each JVM in a network"
      + " namespace of its own, over veth links (needs root and iproute2)")
  private boolean netns;

  @Option(names = "--java-option", paramLabel = "OPTION", description = "a JVM option for every JVM of the nodes part (repeatable)")
  private List<String> javaOptions;

  @Option(names = "--only", split = ",", paramLabel = "PART", description = "some of step, profile, codec, runtime, nodes, accuracy, cnn")
  private List<String> only;

  @Option(names = "--match", paramLabel = "REGEX", defaultValue = "", description = "only the profiles, runtime and nodes configurations whose name matches")
  private String match;

  @Option(names = "--no-accuracy", description = "skip the accuracy part")
  private boolean noAccuracy;

  @Option(names = "--quick", description = "a short run: fewer rounds, steps, seeds and epochs")
  private boolean quick;

  @Option(names = "--runs", paramLabel = "DIR", description = "where the runs go (default: runs/bench-speed-TIME)")
  private Path runsDirectory;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "docs/PERFORMANCE.md", description = "(default: ${DEFAULT-VALUE})")
  private Path out;

  @Spec
  private CommandSpec spec;

  private SpeedOptions options() {
    java.util.Set<String> parts = new java.util.LinkedHashSet<>(only == null ? SpeedOptions.PARTS : only);
    if (!SpeedOptions.PARTS.containsAll(parts)) {
      throw new UsageException("--only takes some of " + SpeedOptions.PARTS + ", found " + String.join(",", only));
    }
    List<String> words = spec.commandLine().getParseResult().originalArgs();
    return new SpeedOptions(count("--reps", reps, quick ? 1 : 5), count("--mlp-steps", mlpSteps, quick ? 60 : 300),
        count("--cnn-steps", cnnSteps, quick ? 12 : 30), count("--micro-steps", microSteps, quick ? 20 : 100), !noAccuracy,
        count("--seeds", seeds, quick ? 1 : 2), count("--epochs", epochs, quick ? 1 : 8), out,
        count("--threads", threads, 1), parts, match,
        "./cohort " + String.join(" ", words.stream().map(w -> w.contains(" ") || w.contains("*") ? "'" + w + "'" : w).toList()),
        nodesSetup());
  }

  private PinnedCohort.Setup nodesSetup() {
    int epochs = count("--node-epochs", nodeEpochs, quick ? 2 : 6);
    List<Integer> cores = java.util.stream.IntStream.range(0, Runtime.getRuntime().availableProcessors()).boxed().toList();
    return new PinnedCohort.Setup(count("--node-steps", nodeSteps, quick ? 100 : 300), epochs, epochs / 2 + 1, cores,
        javaOptions == null ? List.of() : List.copyOf(javaOptions), null, null);
  }

  private static int count(String option, Integer value, int otherwise) {
    int count = value == null ? otherwise : value;
    if (count < 1) {
      throw new UsageException(option + " must be >= 1, found " + count);
    }
    return count;
  }

  @Override
  public Integer call() throws Exception {
    SpeedOptions options = options();
    int cores = Runtime.getRuntime().availableProcessors();
    Path data = IdxDataset.DEBIAN_FASHION_MNIST;
    SpeedReport report = new SpeedReport(options.command(), cores, options.threads());
    LabeledData train = IdxDataset.split(data, "train");
    MlpPreset mlp = new MlpPreset(784, List.of(256), 10);
    CnnPreset cnn = new CnnPreset(new LabeledData.ImageShape(28, 28, 1), List.of(20, 50), List.of(500), 10);
    Path runs = runsDirectory != null ? runsDirectory
        : Path.of("runs", "bench-speed-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));

    if (options.runs("step")) {
      System.out.println("the step alone (DL4J and Cohort in this JVM, PyTorch beside it), " + options.reps() + " round(s)");
      Path script = Path.of("docs", "bench", "torch_step.py");
      TorchReference.Session torch = null;
      String torchProblem = null;
      try {
        torch = TorchReference.Session.start(script, data, options.threads());
      } catch (java.io.IOException e) {
        torchProblem = e.getMessage();
      }
      List<StepRound> rounds = new ArrayList<>();
      try {
        for (int round = 1; round <= options.reps(); round++) {
          System.out.println(" round " + round);
          StepTimes.Result mlpStep = StepTimes.measure(MLP_NAME, mlp, train, 128, options.threads(), 30,
              options.microSteps(), torch, "mlp", 10);
          StepTimes.Result cnnStep = StepTimes.measure(CNN_NAME, cnn, train, 128, options.threads(), 3,
              Math.max(10, options.microSteps() / 5), torch, "cnn", 2);
          rounds.add(new StepRound(mlpStep, cnnStep));
        }
      } finally {
        if (torch != null) {
          torch.close();
        }
      }
      TorchReference.Outcome mutual = torchProblem != null ? new TorchReference.Outcome(List.of(), torchProblem)
          : TorchReference.run(script, data, options.threads(), options.microSteps(), "2,3");
      report.steps(rounds, torch == null ? null : torch.framework(), mutual);
    }
    if (options.runs("profile")) {
      System.out.println("profiles of one step: JFR, ND4J's op profiler, layer by layer");
      List<StepProfile.Result> profiles = new ArrayList<>();
      for (StepEngine engine : StepEngine.values()) {
        profiles.add(StepProfile.measure(MLP_NAME, mlp, engine, train, 128, 30, Math.max(50, options.microSteps() * 3)));
      }
      for (StepEngine engine : StepEngine.values()) {
        profiles.add(StepProfile.measure(CNN_NAME, cnn, engine, train, 128, 3, Math.max(10, options.microSteps() / 4)));
      }
      report.profiles(profiles);
    }
    if (options.runs("codec")) {
      System.out.println("encodings: bytes and codec time per batch of 128 rows");
      List<CodecTimes.Result> codecs = new ArrayList<>();
      for (int classes : new int[] {10, 1000}) {
        codecs.add(CodecTimes.measure(128, classes, ProbabilityCodec.Format.of(Encoding.FLOAT32), 2000));
        codecs.add(CodecTimes.measure(128, classes, ProbabilityCodec.Format.of(Encoding.FLOAT16), 2000));
        codecs.add(CodecTimes.measure(128, classes, new ProbabilityCodec.Format(Encoding.TOP_K, classes == 10 ? 3 : 10), 2000));
      }
      report.codecs(codecs);
    }
    if (options.runs("runtime")) {
      System.out.println("the runtime: per-peer step time, " + options.reps() + " round(s)");
      Map<SpeedRun, List<SpeedRun.Measured>> measured = new LinkedHashMap<>();
      RUNTIME.get(1).run(runs, "warm-up", Math.min(200, options.mlpSteps()), 0, ConfigFactory.empty(), 1); // JIT, caches: not counted
      for (int round = 1; round <= options.reps(); round++) {
        System.out.println(" round " + round);
        for (SpeedRun config : RUNTIME.stream().filter(c -> java.util.regex.Pattern.compile(options.match()).matcher(c.label()).find()).toList()) {
          int steps = config.model().equals("cnn") ? options.cnnSteps() : options.mlpSteps();
          String id = "r" + round + "-" + config.model() + "-" + config.topology() + config.peers() + "-n" + config.nodes()
              + "-" + config.encoding() + "-d" + config.lookahead();
          measured.computeIfAbsent(config, c -> new ArrayList<>()).add(config.run(runs, id, steps, round, ConfigFactory.empty(), 1));
        }
      }
      report.runtime(measured);
      report.coldStart(ColdStart.measure(runs.resolve("cold"), 40, options.reps()));
    }
    if (options.runs("nodes")) {
      System.out.println("separate machines: one peer per JVM, each JVM pinned to its own core, " + options.reps() + " round(s)");
      Map<String, SeparateMachines.Variant> compared = new LinkedHashMap<>();
      if (variants != null) {
        variants.forEach((name, words) ->
            compared.put(name, new SeparateMachines.Variant(List.of(words.trim().split("\\s+")), false)));
      }
      if (netns) {
        compared.put(SeparateMachines.NETNS, new SeparateMachines.Variant(List.of(), true));
      }
      SeparateMachines nodes = new SeparateMachines(options.nodes(), compared);
      nodes.run(runs, options.reps(), options.match());
      if (profileNodes) {
        nodes.profile(runs, options.match());
      }
      report.nodes(nodes);
    }
    if (options.runs("accuracy")) {
      System.out.println("the encodings' effect on accuracy");
      report.accuracy(EncodingAccuracy.run(runs, options));
    }
    if (options.runs("cnn")) {
      System.out.println("the CNN step: what each change buys");
      report.cnn(CnnStudy.run(cnn, train, 128, 3, Math.max(8, options.microSteps() / 8)));
    }
    AtomicFiles.writeString(options.out(), report.markdown());
    System.out.println("wrote " + options.out() + " (runs in " + runs + ")");
    return 0;
  }

  static final String MLP_NAME = "MLP 784-256-10";
  static final String CNN_NAME = "CNN LeNet";

  /** The runtime's configurations, run in this order in every round. */
  static final List<SpeedRun> RUNTIME = List.of(
      new SpeedRun("MLP independent, K=2, one JVM", "mlp", "independent", 2, 1, "float32", 3, 0),
      new SpeedRun("MLP mutual, K=2, one JVM", "mlp", "dml", 2, 1, "float32", 3, 0),
      new SpeedRun("MLP mutual, lookahead 1, K=2, one JVM", "mlp", "dml", 2, 1, "float32", 3, 1),
      new SpeedRun("MLP independent, K=3, one JVM", "mlp", "independent", 3, 1, "float32", 3, 0),
      new SpeedRun("MLP mutual, K=3, one JVM", "mlp", "dml", 3, 1, "float32", 3, 0),
      new SpeedRun("MLP independent, K=2, two JVMs", "mlp", "independent", 2, 2, "float32", 3, 0),
      new SpeedRun("MLP mutual, K=2, two JVMs", "mlp", "dml", 2, 2, "float32", 3, 0),
      new SpeedRun("MLP mutual, lookahead 1, K=2, two JVMs", "mlp", "dml", 2, 2, "float32", 3, 1),
      new SpeedRun("MLP mutual float16, K=2, two JVMs", "mlp", "dml", 2, 2, "float16", 3, 0),
      new SpeedRun("MLP mutual top-3, K=2, two JVMs", "mlp", "dml", 2, 2, "top-k", 3, 0),
      new SpeedRun("CNN independent, K=2, one JVM", "cnn", "independent", 2, 1, "float32", 3, 0),
      new SpeedRun("CNN mutual, K=2, one JVM", "cnn", "dml", 2, 1, "float32", 3, 0));

  /** Median over the rounds of a config's mean per-peer step time. */
  static double medianStep(List<SpeedRun.Measured> runs) {
    return Stats.median(runs.stream().map(m -> m.figures().meanStepMillis()).toList());
  }
}
