package dev.cohort.actors.config;

/** A cohort file or setting that cannot be used; the message names the key and what was expected. */
public final class CohortConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CohortConfigException(String message) {
    super(message);
  }

  public CohortConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
