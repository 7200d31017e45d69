package dev.cohort.actors.dashboard;

import dev.cohort.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
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
    // The temporary file AtomicFiles renames into place is created owner-only (rw-------).
    AtomicFiles.writeString(file, token + "\n");
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
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
