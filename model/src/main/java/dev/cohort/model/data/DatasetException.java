package dev.cohort.model.data;

/** Data that cannot be used as it is; the message names the file and what was expected. */
public final class DatasetException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
