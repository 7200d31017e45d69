package dev.cohort.actors.dashboard;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The bearer token that the dashboard's controls require: 256 random bits per run, kept in
 * {@code runs/<id>/dashboard.token} readable by its owner only (a coordinator that takes the run
 * over, or resumes it, uses the same token).
 */
public final class ControlToken {

  public static final String FILE = "dashboard.token";

  private final String value;

  private ControlToken(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }

  /** The run's token, created (owner-only, written atomically) if the run has none yet. */
  public static ControlToken forRun(Path runPath) throws IOException {
    Path file = runPath.resolve(FILE);
    if (Files.isRegularFile(file)) {
      String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (stored.length() >= 32) {
        return new ControlToken(stored);
      }
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Path temp = runPath.resolve(FILE + ".tmp");
    Files.deleteIfExists(temp);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(temp);
    }
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      channel.write(StandardCharsets.UTF_8.encode(token + "\n"));
      channel.force(true);
    }
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return new ControlToken(token);
  }

  /** What an {@code Authorization} header proves: nothing (absent or not a bearer token), a wrong token, or this one. */
  public enum Check {
    MISSING,
    WRONG,
    VALID
  }

  public Check check(Optional<String> authorization) {
    if (authorization.isEmpty() || !authorization.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Check.MISSING;
    }
    byte[] offered = authorization.get().substring(7).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(offered, value.getBytes(StandardCharsets.UTF_8)) ? Check.VALID : Check.WRONG;
  }
}
