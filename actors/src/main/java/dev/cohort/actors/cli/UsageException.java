package dev.cohort.actors.cli;

/** A command line that cannot be run; the message says what was wrong and what was expected. */
final class UsageException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
