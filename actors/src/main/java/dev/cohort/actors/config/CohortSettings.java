package dev.cohort.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.cohort.model.distill.Topology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The resolved, validated {@code cohort} configuration of one run. Built once by
 * {@link SettingsParser}; the coordinator ships {@link #render()} to every node so that all peers
 * train with exactly the same settings.
 */
public record CohortSettings(
    String runId,
    Path runDirectory,
    Data data,
    Training training,
    Distillation distillation,
    List<PeerSpec> peers,
    Cluster cluster,
    Dashboard dashboard,
    Config source) {

  public CohortSettings {
    peers = List.copyOf(peers);
  }

  public enum DataFormat {
    IDX,
    CSV,
    SYNTHETIC
  }

  /** The topology presets of a cohort file ({@code ta-chain} is {@code TA_CHAIN}). */
  public enum TopologyPreset {
    INDEPENDENT,
    DML,
    ENSEMBLE,
    TA_CHAIN,
    RING,
    RANDOM_K,
    NODE_ENSEMBLE,
    CODISTILL,
    KD,
    CUSTOM
  }

  public record Synthetic(int trainExamples, int testExamples, int features, int classes, double noise) {}

  /**
   * @param labelColumn 0-based; negative counts from the end
   * @param standardize z-score every feature with the training split's mean and sd
   */
  public record Csv(Path train, Path test, int labelColumn, boolean header, char separator, boolean standardize) {}

  /**
   * @param labelNoise the rate of label noise on the training split (0: none)
   * @param labelNoiseType how a label made wrong is chosen
   */
  public record Data(
      DataFormat format,
      Path directory,
      int validationSize,
      int trainLimit,
      long seed,
      Synthetic synthetic,
      Csv csv,
      double labelNoise,
      dev.cohort.model.data.LabelNoise.Type labelNoiseType) {

    /** Whether the features are z-scored (CSV data with {@code csv.standardize}). */
    public boolean standardizes() {
      return format == DataFormat.CSV && csv.standardize();
    }
  }

  /**
   * @param learningRateDecayFrom the epoch (from 1) from which the learning rate falls linearly, epoch
   *     by epoch, to 1/(epochs − from + 1) of itself in the last epoch; 0: constant
   * @param checkpointEvery steps between checkpoints (besides the one at every epoch's end); 0: epoch ends only
   * @param engine what runs each peer's training step
   */
  public record Training(
      int epochs, int batchSize, double learningRate, int learningRateDecayFrom, long seed, int reportEvery,
      int checkpointEvery, dev.cohort.model.nn.StepEngine engine) {

    /**
     * What a peer's learning rate is multiplied by in {@code epoch} (counted from 0) of its
     * training: 1 before {@code learningRateDecayFrom}, then (epochs − epoch)/(epochs − from + 1),
     * so 1 in the first decayed epoch and 1/(epochs − from + 1) in the last (co-teaching's schedule:
     * Han et al. 2018 decay Adam's rate linearly to zero over the last 60 % of the epochs).
     */
    public double learningRateFactor(int epoch) {
      if (learningRateDecayFrom == 0 || epoch + 1 < learningRateDecayFrom) {
        return 1;
      }
      return (double) (epochs - Math.min(epoch, epochs - 1)) / (epochs - learningRateDecayFrom + 1);
    }
  }

  /**
   * @param topology the links the preset (or {@code links}) expands to
   * @param lambdaRampSteps steps over which λ rises linearly from 0 (0: none)
   * @param window batches a teacher may run ahead of its slowest student (lock-step topologies)
   * @param codistill burn-in and lookahead, used when the preset is codistillation
   * @param lookahead lock-step topologies: steps ahead a teacher sends its predictions (0: none, one forward pass a step)
   * @param encoding of predictions on the wire: float32, float16 or top-k
   * @param topK with top-k, the classes kept per row
   * @param teacherEpochs with the kd preset, the epochs the teacher trains alone before it is frozen
   * @param teacherWeighting how a student weighs each teacher on evidence of how it compares
   * @param selection small-loss selection of the examples a student trains on (noisy labels)
   * @param oneMessagePerNode a teacher sends a batch's predictions once to each other node, where
   *     one of its students hands them to the others there, instead of once to each student
   */
  public record Distillation(
      TopologyPreset preset,
      Topology topology,
      double temperature,
      double lambda,
      int lambdaRampSteps,
      Duration maxWait,
      int window,
      int lookahead,
      String encoding,
      int topK,
      Codistill codistill,
      int teacherEpochs,
      dev.cohort.model.distill.TeacherWeighting teacherWeighting,
      Selection selection,
      boolean oneMessagePerNode) {

    /** The preset as the config names it: {@code dml}, {@code ta-chain}, ... */
    public String topologyName() {
      return preset.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Codistillation: shards, no waiting, stale predictions. Every other preset is lock-step. */
    public boolean isCodistillation() {
      return preset == TopologyPreset.CODISTILL;
    }

    /** The frozen KD teacher, when the preset is kd. */
    public java.util.Optional<String> frozenTeacher() {
      return preset == TopologyPreset.KD ? java.util.Optional.of(topology.peers().get(0)) : java.util.Optional.empty();
    }

    /** λ for the step after {@code stepsTaken} steps, with the ramp-up applied. */
    public double lambdaAt(long stepsTaken) {
      if (lambdaRampSteps == 0 || stepsTaken >= lambdaRampSteps) {
        return lambda;
      }
      return lambda * stepsTaken / lambdaRampSteps;
    }
  }

  /** @param lookahead d: teachers predict their students' batches d steps ahead */
  public record Codistill(int burnInSteps, int lookahead) {}

  /**
   * {@code distillation.selection}: small-loss selection for noisy labels (reference.conf).
   *
   * @param forgetRate ε, the share of each batch dropped once the ramp is over; NaN: {@code auto},
   *     estimated by each peer at the end of its first epoch
   * @param rampEpochs epochs over which the forget rate rises linearly from 0 to ε (0: ε from the start)
   */
  public record Selection(dev.cohort.model.distill.SmallLossSelection.Method method, double forgetRate, int rampEpochs) {

    /** Whether the forget rate is estimated from the validation split. */
    public boolean autoRate() {
      return Double.isNaN(forgetRate);
    }

    /** Whether any example is ever dropped. */
    public boolean active() {
      return method != dev.cohort.model.distill.SmallLossSelection.Method.NONE;
    }

    /** As the events and the terminal name it: {@code co-teaching (ε=0.4, ramp 10 epochs)}, {@code none}. */
    public String describe() {
      if (!active()) {
        return "none";
      }
      return method.key() + " (ε=" + (autoRate() ? "auto" : String.valueOf(forgetRate)) + ", ramp " + rampEpochs
          + " epochs)";
    }
  }

  /**
   * @param maxRestarts times a lost peer is restarted from its checkpoint before the run goes on without it
   * @param recoveryGrace how long a coordinator that took over waits for the peers to re-register
   */
  public record Cluster(
      int nodes, Duration startupTimeout, Duration exportTimeout, int maxRestarts, Duration recoveryGrace) {}

  /**
   * {@code cohort.dashboard}: where the dashboard listens and how much it buffers (see reference.conf).
   *
   * @param allowedHosts host names the dashboard answers to besides localhost, IP addresses and
   *     {@code host}; {@code *} answers every name
   */
  public record Dashboard(
      boolean enabled, String host, int port, int clientBuffer, int replay, Duration stallAfter,
      List<String> allowedHosts) {

    public Dashboard {
      allowedHosts = List.copyOf(allowedHosts);
    }
  }

  /** This run's own folder: {@code <run.directory>/<run.id>}. */
  public Path runPath() {
    return runDirectory.resolve(runId);
  }

  /** The {@code cohort} section as HOCON (concise JSON, which HOCON reads back). */
  public String render() {
    return source.root().render(ConfigRenderOptions.concise());
  }

  /** The {@code cohort} section as formatted JSON, e.g. for a model card. */
  public String renderJson() {
    return source.root().render(ConfigRenderOptions.concise().setFormatted(true));
  }

  /** Parses a config rendered by {@link #render()}. */
  public static CohortSettings fromRendered(String rendered) {
    return SettingsParser.parse(ConfigFactory.parseString(rendered).atKey("cohort"));
  }
}
