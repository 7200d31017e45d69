package dev.cohort.actors.cli;

import dev.cohort.actors.launch.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An {@code --out FILE} a command will write, checked before the command does its work: not a
 * folder, and in a folder that exists (or can be made) and can be written.
 */
final class OutFile {

  private OutFile() {}

  /** {@code out} as given, or a {@link UsageException} naming {@code option} and what is in the way. */
  static Path check(Path out, String option) {
    if (out == null) {
      return null;
    }
    Path absolute = out.toAbsolutePath().normalize();
    if (Files.isDirectory(absolute)) {
      throw new UsageException(option + " " + out + " is a folder: expected a file name such as "
          + out.resolve("model.zip"));
    }
    if (Files.exists(absolute) && !Files.isWritable(absolute)) {
      throw new UsageException(option + " " + out + ": the file exists and cannot be written (permission denied)");
    }
    Path folder = absolute.getParent();
    while (folder != null && !Files.exists(folder)) {
      folder = folder.getParent();
    }
    if (folder == null || !Files.isDirectory(folder)) {
      throw new UsageException(option + " " + out + ": " + (folder == null ? "no folder of it exists" : folder
          + " is a file, not a folder"));
    }
    if (!Files.isWritable(folder)) {
      throw new UsageException(option + " " + out + ": cannot write in " + folder + " (permission denied or read-only)");
    }
    return out;
  }
}
