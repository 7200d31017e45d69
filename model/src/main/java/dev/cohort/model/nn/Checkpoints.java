package dev.cohort.model.nn;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.model.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One peer's checkpoints in a folder: {@code step-<n>.zip} (the DL4J model with its updater
 * state) and {@code step-<n>.json} (where the peer stood, and the zip's SHA-256). Both are written
 * atomically, the zip first: the JSON is the commit mark, so a checkpoint without one, or whose
 * zip does not match its hash or does not load, is skipped, named in {@link Restored#rejected},
 * and the previous good one is used. The newest {@link #KEPT} are kept.
 */
public final class Checkpoints {

  public static final int KEPT = 3;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path folder;

  public Checkpoints(Path folder) {
    this.folder = folder;
  }

  public Path folder() {
    return folder;
  }

  /**
   * Where a peer stood when it checkpointed.
   *
   * @param step optimizer steps taken
   * @param trainedThrough the last batch id of its schedule it trained on (-1: none)
   * @param epoch completed epochs (of its own training while {@code pretraining})
   * @param batchIndex position within the epoch in progress
   * @param forgetRate the share of each batch its small-loss selection leaves out, when it estimated
   *     it from its data (null: not estimated)
   */
  public record State(
      long step, long trainedThrough, int epoch, int batchIndex, boolean pretraining, boolean frozen,
      Double forgetRate) {

    public State(long step, long trainedThrough, int epoch, int batchIndex, boolean pretraining, boolean frozen) {
      this(step, trainedThrough, epoch, batchIndex, pretraining, frozen, null);
    }
  }

  /** The file content of a checkpoint's JSON. */
  private record Entry(State state, String model, String sha256, long bytes) {}

  /** A usable checkpoint, and the newer ones that were not (each "file: reason"). */
  public record Restored(PeerNetwork network, State state, Path model, List<String> rejected) {}

  /** Writes a checkpoint and drops the older ones beyond {@link #KEPT}; returns the model file. */
  public Path write(PeerNetwork network, State state) throws IOException {
    String base = String.format("step-%09d", state.step());
    Path model = folder.resolve(base + ".zip");
    network.save(model);
    Entry entry = new Entry(state, model.getFileName().toString(), sha256(model), Files.size(model));
    AtomicFiles.writeString(folder.resolve(base + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(entry));
    prune();
    return model;
  }

  /** Commit marks, newest first. */
  public List<Path> marks() throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .filter(f -> f.getFileName().toString().matches("step-\\d+\\.json"))
          .sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()))
          .toList();
    }
  }

  /** The newest checkpoint that verifies and loads, if any. */
  public Optional<Restored> latest(String architecture) throws IOException {
    return latest(architecture, StepEngine.COHORT);
  }

  /** The newest checkpoint that loads, its network trained from now on by {@code engine}. */
  public Optional<Restored> latest(String architecture, StepEngine engine) throws IOException {
    List<String> rejected = new ArrayList<>();
    for (Path mark : marks()) {
      try {
        Entry entry = JSON.readValue(mark.toFile(), Entry.class);
        Path model = folder.resolve(entry.model());
        String actual = sha256(model);
        if (!actual.equals(entry.sha256())) {
          throw new IOException(model.getFileName() + " does not match its checksum in " + mark.getFileName()
              + " (expected SHA-256 " + entry.sha256() + ", found " + actual + ")");
        }
        PeerNetwork network = PeerNetwork.load(model, architecture, engine);
        return Optional.of(new Restored(network, entry.state(), model, List.copyOf(rejected)));
      } catch (NoSuchFileException e) {
        rejected.add(mark + ": missing " + e.getFile());
      } catch (IOException | RuntimeException e) {
        rejected.add(mark + ": " + e.getMessage());
      }
    }
    if (!rejected.isEmpty()) {
      throw new IOException("no usable checkpoint in " + folder + ": " + String.join("; ", rejected));
    }
    return Optional.empty();
  }

  private void prune() throws IOException {
    List<Path> marks = marks();
    for (Path old : marks.subList(Math.min(KEPT, marks.size()), marks.size())) {
      String base = old.getFileName().toString().replace(".json", "");
      Files.deleteIfExists(old);
      Files.deleteIfExists(folder.resolve(base + ".zip"));
    }
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest())) {
      MessageDigest digest = ((DigestInputStream) in).getMessageDigest();
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
