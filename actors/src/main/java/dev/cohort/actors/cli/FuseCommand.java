package dev.cohort.actors.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.data.PeerModels;
import dev.cohort.actors.data.RunData;
import dev.cohort.actors.extract.CardFacts;
import dev.cohort.actors.extract.RunModels;
import dev.cohort.actors.launch.UsageException;
import dev.cohort.model.data.LabeledData;
import dev.cohort.model.eval.ClassificationReport;
import dev.cohort.model.nn.Fusion;
import dev.cohort.model.nn.PeerNetwork;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fuse RUN_DIR --into PRESET [--epochs N] [--out FILE]}: distils the whole cohort into one
 * fresh student, offline ({@link Fusion}). The target of every training example is the average of the peers'
 * softened predictions softmax(z/T) from their latest checkpoints (T and λ from the run), the loss
 * the run's CE + λ·T²·KL. The student's card compares it with every peer and with the ensemble on
 * the validation and test splits, whichever wins.
 */
@Command(name = "fuse", mixinStandardHelpOptions = true,
    description = "Distils the run's peers (their averaged softened predictions) into one fresh student and"
        + " compares it with every peer.")
final class FuseCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run directory, e.g. runs/<id>")
  private Path runDirectory;

  @Option(names = "--into", required = true, paramLabel = "PRESET",
      description = "the student: mlp:256, mlp:500,300, cnn, or cnn:20,50:500")
  private String preset;

  @Option(names = "--epochs", paramLabel = "N", description = "training epochs (default: the run's)")
  private Integer epochs;

  @Option(names = "--out", paramLabel = "FILE", description = "where the model goes (default: RUN_DIR/fused/PRESET/model.zip)")
  private Path out;

  @Override
  public Integer call() throws IOException {
    CohortSettings settings = RunModels.settings(runDirectory);
    PeerSpec spec = parsePreset(preset, settings.training().seed());
    OutFile.check(out, "--out");
    RunData data = RunData.load(settings.data());
    List<RunModels.Peer> peers = RunModels.peers(runDirectory, settings, data, note -> System.out.println("  " + note));
    if (peers.isEmpty()) {
      throw new UsageException("no peer of " + runDirectory + " has a usable checkpoint to distil from");
    }
    int rounds = epochs != null ? epochs : settings.training().epochs();
    if (rounds < 1) {
      throw new UsageException("--epochs must be at least 1, found " + rounds);
    }
    double temperature = settings.distillation().temperature();
    double lambda = settings.distillation().lambda();
    Fusion fusion = Fusion.of(peers.stream().map(RunModels.Peer::network).toList(), data.train(), temperature);
    PeerNetwork student = PeerModels.network(spec, data, settings);
    student.distillationWeight(lambda);
    System.out.println(String.format(Locale.ROOT, "distilling %d peers into %s: T=%s, λ=%s, %d epochs on %,d examples",
        peers.size(), student.architecture(), temperature, lambda, rounds, data.train().size()));
    fusion.train(student, settings.training().batchSize(), settings.training().seed(), rounds,
        epoch -> System.out.println("  epoch " + epoch + " of " + rounds + " done"));

    ObjectNode comparison = JSON.createObjectNode();
    comparison.put("temperature", temperature).put("lambda", lambda).put("epochs", rounds);
    Scores studentScores = scores(student, data);
    put(comparison.putObject("student"), student.architecture(), student.parameterCount(), studentScores);
    ObjectNode peerScores = comparison.putObject("peers");
    System.out.println(String.format(Locale.ROOT, "%-16s %12s %8s %8s %8s", "model", "parameters", "val_acc", "test_acc", "test_nll"));
    print("fused student", student.parameterCount(), studentScores);
    List<float[]> validationProbabilities = new ArrayList<>();
    List<float[]> testProbabilities = new ArrayList<>();
    int beaten = 0;
    for (RunModels.Peer peer : peers) {
      Scores s = new Scores(peer.validation(), peer.network().evaluate(data.test()));
      validationProbabilities.add(s.validation().probabilities());
      testProbabilities.add(s.test().probabilities());
      put(peerScores.putObject(peer.spec().name()), peer.network().architecture(), peer.network().parameterCount(), s);
      print(peer.spec().name(), peer.network().parameterCount(), s);
      beaten += studentScores.test().accuracy() > s.test().accuracy() ? 1 : 0;
    }
    ClassificationReport ensembleValidation = ensemble(validationProbabilities, data.validation());
    ClassificationReport ensembleTest = ensemble(testProbabilities, data.test());
    comparison.putObject("ensemble").put("val_accuracy", ensembleValidation.accuracy())
        .put("test_accuracy", ensembleTest.accuracy()).put("test_nll", ensembleTest.nll());
    System.out.println(String.format(Locale.ROOT, "%-16s %12s %8.4f %8.4f %8.4f", "(ensemble)", "-",
        ensembleValidation.accuracy(), ensembleTest.accuracy(), ensembleTest.nll()));
    comparison.put("student_beats_peers_on_test", beaten + " of " + peers.size());
    System.out.println("the fused student beats " + beaten + " of " + peers.size() + " peers on test accuracy");

    Path model = out != null ? out
        : runDirectory.resolve("fused").resolve(preset.replaceAll("[^A-Za-z0-9]+", "-")).resolve("model.zip");
    Path card = dev.cohort.actors.extract.Extraction.cardOf(model);
    CardFacts.Measured measured = new CardFacts.Measured("fused", model, student.architecture(), student.parameterCount(),
        student.inputShape(), "fused from the ensemble of " + peers.size() + " peers (no selection)",
        studentScores.validation().accuracy(), studentScores.validation().crossEntropy(), studentScores.test().accuracy(),
        studentScores.test().crossEntropy(), studentScores.test().examples(), comparison);
    dev.cohort.actors.extract.Extraction.writeModelAndCard(student, model, () -> CardFacts.card(settings, measured, card, student.classes(), data.standardization()), card);
    System.out.println("  model: " + model.toAbsolutePath());
    System.out.println("  card:  " + card.toAbsolutePath());
    return 0;
  }

  /** {@code mlp[:W,W...]} or {@code cnn[:C,C...[:W,W...]]}. */
  static PeerSpec parsePreset(String preset, long seed) {
    String[] parts = preset.split(":", -1);
    try {
      return switch (parts[0]) {
        case "mlp" -> {
          if (parts.length > 2) {
            throw new IllegalArgumentException("too many parts");
          }
          yield new PeerSpec("fused", "mlp", parts.length == 2 ? widths(parts[1]) : List.of(256), List.of(), seed);
        }
        case "cnn" -> {
          if (parts.length > 3) {
            throw new IllegalArgumentException("too many parts");
          }
          yield new PeerSpec("fused", "cnn", parts.length == 3 ? widths(parts[2]) : List.of(500),
              parts.length >= 2 ? widths(parts[1]) : List.of(20, 50), seed);
        }
        default -> throw new IllegalArgumentException("unknown model '" + parts[0] + "'");
      };
    } catch (IllegalArgumentException e) {
      throw new UsageException("--into " + preset + ": " + e.getMessage()
          + " (expected mlp:256, mlp:500,300, cnn, cnn:20,50 or cnn:20,50:500)");
    }
  }

  private static List<Integer> widths(String list) {
    List<Integer> widths = new ArrayList<>();
    for (String w : list.split(",")) {
      int width = Integer.parseInt(w.strip());
      if (width < 1) {
        throw new IllegalArgumentException("a width must be at least 1, found " + width);
      }
      widths.add(width);
    }
    return widths;
  }

  private record Scores(PeerNetwork.Evaluation validation, PeerNetwork.Evaluation test) {}

  private static Scores scores(PeerNetwork network, RunData data) {
    return new Scores(network.evaluate(data.validation()), network.evaluate(data.test()));
  }

  private static void put(ObjectNode node, String architecture, long parameters, Scores s) {
    node.put("architecture", architecture).put("parameters", parameters)
        .put("val_accuracy", s.validation().accuracy()).put("val_nll", s.validation().crossEntropy())
        .put("test_accuracy", s.test().accuracy()).put("test_nll", s.test().crossEntropy());
  }

  private static void print(String name, long parameters, Scores s) {
    System.out.println(String.format(Locale.ROOT, "%-16s %,12d %8.4f %8.4f %8.4f", name, parameters,
        s.validation().accuracy(), s.test().accuracy(), s.test().crossEntropy()));
  }

  /** The peers' probabilities averaged (T = 1) and scored. */
  private static ClassificationReport ensemble(List<float[]> probabilities, LabeledData split) {
    float[] mean = new float[probabilities.get(0).length];
    for (float[] p : probabilities) {
      for (int i = 0; i < mean.length; i++) {
        mean[i] += p[i] / probabilities.size();
      }
    }
    return ClassificationReport.of(mean, split.labels(split.allRows()), split.classes());
  }
}
