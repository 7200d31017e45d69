package dev.cohort.actors.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * What of the log reaches the user's terminal. By default Cohort's own warnings and errors, and
 * other libraries' errors only: Pekko's association and materializer warnings (a connection
 * aborted, a node quarantined) repeat every few seconds while a node is away and say nothing the
 * run's own event lines do not. While a run logs to its file ({@link RunLog}), the terminal shows
 * errors only, and each event is the one line the coordinator prints. {@code -Dcohort.log.level=L}
 * shows everything from level L instead, from every logger.
 */
public final class TerminalFilter extends Filter<ILoggingEvent> {

  private static volatile boolean runLogged;

  static void runLogged(boolean logged) {
    runLogged = logged;
  }

  /** The level -Dcohort.log.level asks for, or null for the default thresholds. */
  private final Level asked = asked(System.getProperty("cohort.log.level"));

  private static Level asked(String property) {
    return property == null || property.isBlank() ? null : Level.toLevel(property, Level.WARN);
  }

  @Override
  public FilterReply decide(ILoggingEvent event) {
    Level threshold;
    if (asked != null) {
      threshold = asked;
    } else if (runLogged || !event.getLoggerName().startsWith("dev.cohort")) {
      threshold = Level.ERROR;
    } else {
      threshold = Level.WARN;
    }
    return event.getLevel().isGreaterOrEqual(threshold) ? FilterReply.NEUTRAL : FilterReply.DENY;
  }
}
