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

  @Override
  public FilterReply decide(ILoggingEvent event) {
    String asked = System.getProperty("cohort.log.level");
    Level threshold;
    if (asked != null && !asked.isBlank()) {
      threshold = Level.toLevel(asked, Level.WARN);
    } else if (runLogged || !event.getLoggerName().startsWith("dev.cohort")) {
      threshold = Level.ERROR;
    } else {
      threshold = Level.WARN;
    }
    return event.getLevel().isGreaterOrEqual(threshold) ? FilterReply.NEUTRAL : FilterReply.DENY;
  }
}
