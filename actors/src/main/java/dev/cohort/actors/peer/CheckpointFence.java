package dev.cohort.actors.peer;

import dev.cohort.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Which copy of a peer owns its checkpoint folder: the one started last. A copy claims the folder
 * when it starts (a file naming it, written atomically beside the checkpoints, on the run
 * directory that failover shares between machines) and checks before every checkpoint that it
 * still owns it. A copy cut off with its node, still running while the peer was restarted on the
 * majority, so never overwrites the new copy's checkpoints: it finds itself superseded and stops.
 */
final class CheckpointFence {

  static final String FILE = "owner";

  private final Path file;
  private final String copy = UUID.randomUUID().toString();

  CheckpointFence(Path checkpointFolder) {
    this.file = checkpointFolder.resolve(FILE);
  }

  void claim() throws IOException {
    Files.createDirectories(file.getParent());
    AtomicFiles.writeString(file, copy + "\n");
  }

  /** Whether this copy still owns the folder (no later copy has claimed it). */
  boolean held() throws IOException {
    return !Files.exists(file) || Files.readString(file).trim().equals(copy);
  }

  /** A later copy of this peer runs elsewhere: this one stops without saving or reporting anything. */
  static final class Superseded extends IllegalStateException {
    Superseded(String peer) {
      super("peer " + peer + " was restarted elsewhere after this copy was cut off: this copy stops without"
          + " saving (the newer copy owns its checkpoints)");
    }
  }
}
