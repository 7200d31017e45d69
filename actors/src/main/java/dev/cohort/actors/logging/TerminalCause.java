package dev.cohort.actors.logging;

import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import java.util.List;

/**
 * The exception of a log line as the terminal shows it: one line, its class and message (and its
 * cause's), never a stack trace — the run's log file ({@link RunLog}) keeps the whole trace. With
 * {@code -Dcohort.log.level} set (a node whose terminal is a log file, or a user asking for
 * everything) the whole trace, as logback prints it.
 */
public final class TerminalCause extends ThrowableHandlingConverter {

  private final ThrowableProxyConverter whole = new ThrowableProxyConverter();
  private final boolean full = System.getProperty("cohort.log.level") != null
      && !System.getProperty("cohort.log.level").isBlank();

  @Override
  public void start() {
    whole.setOptionList(List.of("full"));
    whole.setContext(getContext());
    whole.start();
    super.start();
  }

  @Override
  public String convert(ILoggingEvent event) {
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown == null) {
      return "";
    }
    if (full) {
      return System.lineSeparator() + whole.convert(event).stripTrailing();
    }
    StringBuilder line = new StringBuilder(" (").append(describe(thrown));
    IThrowableProxy cause = thrown.getCause();
    if (cause != null && cause != thrown) {
      line.append("; caused by ").append(describe(cause));
    }
    return line.append(")").toString();
  }

  private static String describe(IThrowableProxy thrown) {
    String name = thrown.getClassName();
    String simple = name.substring(name.lastIndexOf('.') + 1);
    String message = thrown.getMessage();
    return message == null ? simple : simple + ": " + message.lines().findFirst().orElse("");
  }
}
