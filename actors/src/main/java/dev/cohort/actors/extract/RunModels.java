package dev.cohort.actors.extract;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.cohort.actors.config.CohortConfigException;
import dev.cohort.actors.config.CohortSettings;
import dev.cohort.actors.config.PeerSpec;
import dev.cohort.actors.config.SettingsParser;
import dev.cohort.actors.data.PeerModels;
import dev.cohort.actors.data.RunData;
import dev.cohort.model.nn.Checkpoints;
import dev.cohort.model.nn.PeerNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A run directory read offline: its resolved config and each peer's latest good checkpoint,
 * evaluated on the run's validation split (the numbers a choice is made on are measured here, on
 * the very weights that will be written, not copied from the run's logs). Reads only.
 */
public final class RunModels {

  private RunModels() {}

  /** One peer's final model and how it does on the validation split. */
  public record Peer(PeerSpec spec, PeerNetwork network, Path checkpoint, Checkpoints.State state,
      PeerNetwork.Evaluation validation) {}

  /** The run's resolved config ({@code config.conf}); errors name the directory or the file. */
  public static CohortSettings settings(Path runDirectory) {
    return SettingsParser.parse(config(runDirectory));
  }

  /** The run's {@code config.conf} as HOCON, to be parsed with overrides. */
  public static Config config(Path runDirectory) {
    Path file = runDirectory.resolve("config.conf");
    if (!Files.isRegularFile(file)) {
      throw new CohortConfigException(runDirectory.toAbsolutePath() + " is not a run directory: it has no config.conf");
    }
    try {
      return ConfigFactory.parseFile(file.toFile());
    } catch (ConfigException e) {
      throw new CohortConfigException("cannot parse " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every peer with a usable checkpoint, frozen KD teachers left out (they are the baseline's
   * given). Peers without one, and checkpoints that could not be used, are told to {@code notes}.
   */
  public static List<Peer> peers(Path runDirectory, CohortSettings settings, RunData data, Consumer<String> notes)
      throws IOException {
    List<Peer> peers = new ArrayList<>();
    Optional<String> frozenTeacher = settings.distillation().frozenTeacher();
    for (PeerSpec spec : settings.peers()) {
      if (frozenTeacher.filter(spec.name()::equals).isPresent()) {
        notes.accept("peer " + spec.name() + " is the frozen KD teacher: not a candidate");
        continue;
      }
      Checkpoints checkpoints = new Checkpoints(runDirectory.resolve("checkpoints").resolve(spec.name()));
      Optional<Checkpoints.Restored> latest;
      try {
        latest = checkpoints.latest(PeerModels.describe(spec, data));
      } catch (IOException e) {
        notes.accept("peer " + spec.name() + " left out: " + e.getMessage());
        continue;
      }
      if (latest.isEmpty()) {
        notes.accept("peer " + spec.name() + " left out: no checkpoint in " + checkpoints.folder());
        continue;
      }
      Checkpoints.Restored restored = latest.get();
      restored.rejected().forEach(r -> notes.accept("peer " + spec.name() + ": unusable checkpoint " + r));
      PeerNetwork network = restored.network();
      if (network.inputSize() != data.validation().featureCount()) {
        notes.accept("peer " + spec.name() + " left out: its model takes " + network.inputSize()
            + " inputs, the run's data has " + data.validation().featureCount());
        continue;
      }
      peers.add(new Peer(spec, network, restored.model(), restored.state(), network.evaluate(data.validation())));
    }
    return peers;
  }
}
