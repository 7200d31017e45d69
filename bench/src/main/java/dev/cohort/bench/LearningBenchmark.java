package dev.cohort.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.data.RunData;
import dev.cohort.actors.data.RunDataCache;
import dev.cohort.actors.launch.Launch;
import dev.cohort.actors.launch.UsageException;
import dev.cohort.model.io.AtomicFiles;
import dev.cohort.model.nn.Checkpoints;
import dev.cohort.model.nn.PeerNetwork;
import dev.cohort.protocol.RunFinished;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort bench learning}: does distillation help here? Runs each topology over several
 * seeds on a training subset and on the full training set, in this JVM (accuracy does not depend
 * on how the nodes are laid out; node-ensemble, which needs two nodes, starts a second JVM), and writes a Markdown table of test accuracy:
 * every peer's (its final checkpoint, evaluated on the test split for this table only) and the
 * best peer's (chosen on the validation split, as every run does), as mean ± sd over the seeds.
 */
@Command(name = "learning", mixinStandardHelpOptions = true,
    description = "Test accuracy of each topology over N seeds, on a subset, the full set and the subset with label"
        + " noise P; written to docs/RESULTS.md.")
public final class LearningBenchmark implements Callable<Integer> {

  /**
   * One protocol: a training-set size, its epochs, settings for all its runs, and its modes; with
   * {@code chooses}, also the mode a user would pick on the validation split, per seed.
   */
  private record Setting(String key, String name, int trainLimit, int epochs, Config config, List<String> modes,
      boolean chooses) {}

  /** The outcome of one run: each peer's test accuracy, and the best peer's (chosen on validation) on both splits. */
  private record Result(Map<String, Double> peerTest, String best, double bestValidation, double bestTest) {
    double peerMean() {
      return peerTest.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
  }

  @Option(names = "--seeds", paramLabel = "N", defaultValue = "3", description = "seeds per mode (default: ${DEFAULT-VALUE})")
  private int seeds;

  @Option(names = "--subset", paramLabel = "N", defaultValue = "5000", description = "training examples of the subset settings (default: ${DEFAULT-VALUE})")
  private int subset;

  @Option(names = "--subset-epochs", paramLabel = "E", defaultValue = "30", description = "epochs on the subset (default: ${DEFAULT-VALUE})")
  private int subsetEpochs;

  @Option(names = "--full-epochs", paramLabel = "E", defaultValue = "5", description = "epochs on the full set (default: ${DEFAULT-VALUE})")
  private int fullEpochs;

  @Option(names = "--noise", paramLabel = "P", defaultValue = "0.4", description = "label noise of the noise setting, in [0, 1) (default: ${DEFAULT-VALUE})")
  private String noiseRate;

  @Option(names = "--pair-noise", paramLabel = "P", defaultValue = "0.45", description = "pair label noise of the noisy-pair setting, in [0, 1) (default: ${DEFAULT-VALUE})")
  private String pairNoiseRate;

  @Option(names = "--settings", split = ",", paramLabel = "SETTING",
      description = "some of subset, full, noise, noisy-symmetric, noisy-pair, noisy-clean, sparse-noise (default: all)")
  private List<String> settingKeys;

  @Option(names = "--modes", split = ",", paramLabel = "MODE", description = "the modes to run (default: each setting's)")
  private List<String> modes;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "docs/RESULTS.md",
      description = "where the tables go; the sections of an existing file that this run did not measure are kept"
          + " (default: ${DEFAULT-VALUE})")
  private Path out;

  @Option(names = "--runs", paramLabel = "DIR", description = "where the runs go (default: runs/bench-<time>)")
  private Path runs;

  @Option(names = "--set", paramLabel = "key=value", description = "a setting of every run's cohort file (repeatable)")
  private List<String> assignments = new ArrayList<>();

  @Spec
  private CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    double noise = rate(noiseRate, "--noise");
    double pairNoise = rate(pairNoiseRate, "--pair-noise");
    List<String> settingKeys = this.settingKeys == null
        ? List.of("subset", "full", "noise", "noisy-symmetric", "noisy-pair", "noisy-clean", "sparse-noise")
        : this.settingKeys;
    Path runs = this.runs != null ? this.runs
        : Path.of("runs", "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Config overrides = ConfigFactory.empty();
    for (String assignment : assignments) {
      overrides = Launch.setting(overrides, assignment);
    }
    if (modes != null) {
      for (String mode : modes) {
        if (!LearningModes.MODES.containsKey(mode)) {
          throw new UsageException("unknown mode '" + mode + "' (expected some of " + LearningModes.MODES.keySet() + ")");
        }
      }
    }
    List<String> clean = List.of("independent", "dml", "ensemble", "ta-independent", "ta-chain", "ta-chain-validation",
        "ta-chain-correction", "ta-chain-selective", "ta-chain-t1");
    List<String> noisy = List.of("pair-independent", "pair-dml", "pair-dml-lambda2", "pair-dml-lambda3",
        "pair-dml-lambda5", "pair-dml-validation", "pair-dml-selective", "ta-independent", "ta-chain",
        "ta-chain-validation", "ta-chain-correction", "ta-chain-selective");
    List<String> selection = List.of("pair-independent", "pair-dml-lambda5", "pair-co-teaching",
        "pair-co-teaching-lambda5", "pair-jocor-lambda1", "pair-jocor-lambda5");
    // A learning-rate schedule set for every run names itself in each heading, so its sections sit
    // beside (not over) the same settings' sections at a constant rate.
    int decayFrom = overrides.hasPath("cohort.training.learning-rate-decay-from")
        ? overrides.getInt("cohort.training.learning-rate-decay-from") : 0;
    String decay = decayFrom > 0 ? ", learning rate decayed from epoch " + decayFrom : "";
    Map<String, Setting> known = new LinkedHashMap<>();
    known.put("subset", new Setting("subset", subset + "-image subset, " + subsetEpochs + " epochs", subset,
        subsetEpochs, ConfigFactory.empty(), clean, false));
    known.put("full", new Setting("full", "full training set, " + fullEpochs + " epochs", 0, fullEpochs,
        ConfigFactory.empty(), clean, false));
    known.put("noise", new Setting("noise", String.format(Locale.ROOT,
        "%d-image subset with %.0f %% symmetric label noise, %d epochs, T = 1", subset, 100 * noise, subsetEpochs),
        subset, subsetEpochs, noiseConfig(noise, "symmetric"), noisy, false));
    known.put("noisy-symmetric", new Setting("noisy-symmetric", String.format(Locale.ROOT,
        "Noisy labels: %d-image subset, %.0f %% symmetric noise, %d epochs, T = 1", subset, 100 * noise, subsetEpochs),
        subset, subsetEpochs, noiseConfig(noise, "symmetric"), selection, true));
    known.put("noisy-pair", new Setting("noisy-pair", String.format(Locale.ROOT,
        "Noisy labels: %d-image subset, %.0f %% pair noise, %d epochs, T = 1", subset, 100 * pairNoise, subsetEpochs),
        subset, subsetEpochs, noiseConfig(pairNoise, "pair"), selection, true));
    known.put("sparse-noise", new Setting("sparse-noise", String.format(Locale.ROOT,
        "Eight peers, sparse exchange: %d-image subset, %.0f %% symmetric noise, %d epochs, T = 1, λ = 5", subset,
        100 * noise, subsetEpochs), subset, subsetEpochs, noiseConfig(noise, "symmetric"),
        List.of("eight-independent", "eight-dml", "eight-ring", "eight-random-k", "eight-node-ensemble"), false));
    known.put("noisy-clean", new Setting("noisy-clean", String.format(Locale.ROOT,
        "Noisy labels: %d-image subset, clean labels, %d epochs, T = 1", subset, subsetEpochs),
        subset, subsetEpochs, noiseConfig(0, "symmetric"), selection, true));
    List<Setting> settings = new ArrayList<>();
    for (String key : settingKeys) {
      Setting setting = known.get(key);
      if (setting == null) {
        throw new UsageException("unknown setting '" + key + "' (expected some of " + known.keySet() + ")");
      }
      List<String> chosen = modes == null ? setting.modes()
          : setting.modes().stream().filter(modes::contains).toList();
      settings.add(new Setting(setting.key(), setting.name() + decay, setting.trainLimit(), setting.epochs(), setting.config(),
          chosen, setting.chooses()));
    }
    RunDataCache data = new RunDataCache();
    Map<Setting, Map<String, List<Result>>> results = new LinkedHashMap<>();
    Map<Setting, CohortSettings> samples = new LinkedHashMap<>();
    for (Setting setting : settings) {
      for (String mode : setting.modes()) {
        for (int seed = 1; seed <= seeds; seed++) {
          Result result = runOnce(setting, mode, seed, runs, overrides, data, samples);
          results.computeIfAbsent(setting, s -> new LinkedHashMap<>())
              .computeIfAbsent(mode, m -> new ArrayList<>())
              .add(result);
        }
      }
    }
    String command = "./cohort " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    String existing = java.nio.file.Files.exists(out) ? java.nio.file.Files.readString(out) : "";
    AtomicFiles.writeString(out, ResultsFile.merge(existing, header(samples.values().iterator().next()),
        sections(results, command, seeds, samples)));
    System.out.println("wrote " + out);
    return 0;
  }

  private static Config noiseConfig(double rate, String type) {
    return CohortFile.of(CohortFile.settings("data.label-noise", rate, "data.label-noise-type", type,
        "distillation.temperature", 1));
  }

  private static double rate(String value, String option) {
    try {
      double p = Double.parseDouble(value);
      if (p >= 0 && p < 1) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(option + " takes a rate in [0, 1), found '" + value + "'");
  }

  private static Result runOnce(
      Setting setting, String mode, int seed, Path runs, Config overrides, RunDataCache data,
      Map<Setting, CohortSettings> samples)
      throws IOException {
    LearningModes.Mode m = LearningModes.MODES.get(mode);
    String runId = mode + "-" + setting.key() + "-seed" + seed;
    // The mode's own settings win over the setting's (a mode at T = 1), the command line's over both.
    Config cohort = overrides.withFallback(m.config()).withFallback(setting.config()).withFallback(
        CohortFile.of(CohortFile.settings(
            "run.id", runId, "run.directory", runs.toAbsolutePath().toString(),
            "data.train-limit", setting.trainLimit(),
            "training.epochs", setting.epochs(), "training.seed", seed,
            "distillation.topology", m.topology(),
            "peers", CohortFile.seeded(m.peers(), seed),
            "cluster.nodes", 1)));
    long started = System.nanoTime();
    Launch.Prepared prepared = Launch.prepare(cohort, "cohort bench learning", data);
    // One JVM, unless the mode needs more nodes (node-ensemble): they are started and stopped with the run.
    Launch.Outcome outcome = Launch.execute(prepared, prepared.settings().cluster().nodes() - 1, 0, line -> {});
    RunFinished finished = outcome.finished();
    if (outcome.interrupted() || !finished.getSuccess()) {
      throw new IllegalStateException("benchmark run " + runId + " failed: " + finished.getMessage());
    }
    CohortSettings settings = prepared.settings();
    samples.putIfAbsent(setting, settings); // the section's first mode: its settings without a mode's own
    RunData splits = data.get(settings.data());
    Map<String, Double> peerTest = new LinkedHashMap<>();
    for (var peer : settings.peers()) {
      Path folder = settings.runPath().resolve("checkpoints").resolve(peer.name());
      PeerNetwork last = new Checkpoints(folder).latest(peer.name())
          .orElseThrow(() -> new IllegalStateException("benchmark run " + runId + ": no checkpoint in " + folder))
          .network();
      peerTest.put(peer.name(), last.evaluate(splits.test()).accuracy());
    }
    double bestValidation = dev.cohort.model.eval.ModelCard.read(settings.runPath().resolve("best")
        .resolve("model-card.json")).validationAccuracy();
    System.out.printf(Locale.ROOT, "%-34s %-11s seed %d: best %s val %.4f test %.4f, peers %s (%.0f s)%n",
        setting.name(), mode, seed, finished.getBestPeer(), bestValidation, finished.getTestAccuracy(), peerTest,
        (System.nanoTime() - started) / 1e9);
    return new Result(peerTest, finished.getBestPeer(), bestValidation, finished.getTestAccuracy());
  }

  /** What every section shares; each section names its own command, date and seeds. */
  private static String header(CohortSettings sample) {
    return "# Does distillation help? Test accuracy by topology\n\n"
        + String.format(Locale.ROOT,
            "Written by `cohort bench learning`; each section names the command that measured it. Every run trains\n"
                + "its peers from scratch (batch %d, Adam %s, λ = %s unless a mode says otherwise; T per section), picks the best\n"
                + "peer on the validation split (%,d examples carved from the training set) and exports it; the\n"
                + "*best peer* column is that peer's test accuracy (chosen on validation). The *peers* column is\n"
                + "every peer's final checkpoint (the last epoch) on the test split, for this table only. Values\n"
                + "are mean ± sd over the seeds (batch order and initialisation). The last column compares with\n"
                + "the same peers trained independently: the best peers' means, and each peer's, in points, with\n"
                + "the standard error of the difference; a difference within twice that error is reported as\n"
                + "no measurable difference. Modes: `dml` deep mutual learning, `ensemble` every peer from the\n"
                + "cohort's average, `ta-chain` the online teacher-assistant chain large → assistant → small;\n"
                + "`-validation` / `-correction` / `-selective`: with that `distillation.teacher-weighting`\n"
                + "(reference.conf; otherwise none), `-t1`: at T = 1, `-lambda1`, `-lambda2`, `-lambda3`, `-lambda5`: at\n"
                + "λ = 1, 2, 3, 5; `co-teaching` / `jocor`: `distillation.selection.method` with `forget-rate = auto`\n"
                + "(ε estimated by each peer halfway through its first epoch), over `dml` links, λ = 0 unless\n"
                + "`-lambdaN`; `pair-`: two 784-256-10 peers; `eight-`: eight 784-256-10 peers at λ = 5, `random-k` with k = 2\n"
                + "redrawn every 10 batches, `node-ensemble` on two JVMs of four peers (every other run is one JVM). Label noise, where a section has it, is on the training\n"
                + "split only (`data.label-noise`, `data.label-noise-type`); validation and test labels are clean.\n"
                + "*chosen on validation* (noisy-label sections): per seed, the mode whose best peer has the highest\n"
                + "validation accuracy, and that peer's test accuracy: what a user gets by trying every mode and\n"
                + "keeping the one validation prefers; the test split chooses nothing.\n",
            sample.training().batchSize(), sample.training().learningRate(), sample.distillation().lambda(),
            sample.data().validationSize());
  }

  /** One Markdown section per setting, keyed by its heading. */
  private static Map<String, String> sections(
      Map<Setting, Map<String, List<Result>>> results, String command, int seeds, Map<Setting, CohortSettings> samples) {
    Map<String, String> sections = new LinkedHashMap<>();
    for (var bySetting : results.entrySet()) {
      Setting setting = bySetting.getKey();
      CohortSettings used = samples.get(setting);
      StringBuilder md = new StringBuilder();
      md.append(String.format(Locale.ROOT, "Generated on %s by `%s`, %d seeds. T = %s, label noise %s.%n%n",
              LocalDate.now(), command, seeds, used.distillation().temperature(),
              used.data().labelNoise() > 0 ? String.format(Locale.ROOT, "%.0f %% %s", 100 * used.data().labelNoise(),
                  used.data().labelNoiseType().key()) : "none"))
          .append("| topology | peers: test accuracy, last epoch (mean ± sd) | best peer (chosen on validation) | vs the same peers trained independently |\n")
          .append("| --- | --- | --- | --- |\n");
      Map<String, List<Result>> byMode = bySetting.getValue();
      for (var mode : byMode.entrySet()) {
        List<Result> runs = mode.getValue();
        List<String> peerCells = new ArrayList<>();
        for (String peer : runs.get(0).peerTest().keySet()) {
          peerCells.add(peer + " " + meanSd(runs.stream().map(r -> r.peerTest().get(peer)).toList()));
        }
        peerCells.add("mean " + meanSd(runs.stream().map(Result::peerMean).toList()));
        String baselineMode = LearningModes.MODES.get(mode.getKey()).baseline();
        List<Result> baseline = baselineMode == null ? null : byMode.get(baselineMode);
        md.append("| ").append(mode.getKey()).append(" | ").append(String.join("; ", peerCells)).append(" | ")
            .append(meanSd(runs.stream().map(Result::bestTest).toList())).append(" | ")
            .append(baseline == null ? "—" : comparison(runs, baseline))
            .append(" |\n");
      }
      if (setting.chooses()) {
        md.append(chosenRow(byMode));
      }
      sections.put(setting.name(), md.toString());
    }
    return sections;
  }

  /**
   * Per seed, the mode whose best peer validates best (the first in the table on a tie), and its
   * test accuracy; compared with the independent pair when the section has it.
   */
  private static String chosenRow(Map<String, List<Result>> byMode) {
    int seeds = byMode.values().stream().mapToInt(List::size).min().orElse(0);
    List<String> picks = new ArrayList<>();
    List<Double> tests = new ArrayList<>();
    for (int seed = 0; seed < seeds; seed++) {
      String pick = null;
      double bestValidation = Double.NEGATIVE_INFINITY;
      for (var mode : byMode.entrySet()) {
        double validation = mode.getValue().get(seed).bestValidation();
        if (validation > bestValidation) {
          bestValidation = validation;
          pick = mode.getKey();
        }
      }
      picks.add("seed " + (seed + 1) + ": " + pick);
      tests.add(byMode.get(pick).get(seed).bestTest());
    }
    List<Result> independent = byMode.get("pair-independent");
    String versus = independent == null ? "—"
        : "best " + difference(tests, independent.stream().map(Result::bestTest).toList());
    return "| **chosen on validation** | " + String.join("; ", picks) + " | " + meanSd(tests) + " | " + versus + " |\n";
  }

  private static String comparison(List<Result> runs, List<Result> baseline) {
    List<String> parts = new ArrayList<>();
    parts.add("best " + difference(runs.stream().map(Result::bestTest).toList(),
        baseline.stream().map(Result::bestTest).toList()));
    parts.add("peer mean " + difference(runs.stream().map(Result::peerMean).toList(),
        baseline.stream().map(Result::peerMean).toList()));
    for (String peer : runs.get(0).peerTest().keySet()) {
      parts.add(peer + " " + difference(runs.stream().map(r -> r.peerTest().get(peer)).toList(),
          baseline.stream().map(r -> r.peerTest().get(peer)).toList()));
    }
    return String.join("; ", parts);
  }

  /** The difference of the means in points, its standard error, and whether it exceeds twice that. */
  private static String difference(List<Double> values, List<Double> base) {
    double delta = 100 * (Stats.mean(values) - Stats.mean(base));
    double error = 100 * Math.sqrt(Stats.sd(values) * Stats.sd(values) / values.size() + Stats.sd(base) * Stats.sd(base) / base.size());
    String verdict = Math.abs(delta) <= 2 * error ? "no measurable difference" : delta > 0 ? "better" : "worse";
    return String.format(Locale.ROOT, "%+.2f (±%.2f, %s)", delta, error, verdict);
  }

  private static String meanSd(List<Double> values) {
    return String.format(Locale.ROOT, "%.4f ± %.4f", Stats.mean(values), Stats.sd(values));
  }
}
