package dev.cohort.actors.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The terminal shows an exception as one line; with -Dcohort.log.level, the whole trace. */
class TerminalCauseTest {

  private static String convert(Throwable thrown) {
    LoggerContext context = new LoggerContext();
    TerminalCause cause = new TerminalCause();
    cause.setContext(context);
    cause.start();
    LoggingEvent event = new LoggingEvent("x", context.getLogger("org.apache.pekko.io.TcpListener"), Level.ERROR,
        "Bind failed", thrown, null);
    return cause.convert(event);
  }

  @Test
  void anExceptionIsOneLineWithItsCause() {
    String line = convert(new IllegalStateException("cannot bind\nsecond line", new IOException("Address in use")));
    assertEquals(" (IllegalStateException: cannot bind; caused by IOException: Address in use)", line);
    assertEquals("", convert(null));
  }

  @Test
  void askedForEverythingItIsTheWholeTrace() {
    String before = System.getProperty("cohort.log.level");
    System.setProperty("cohort.log.level", "INFO");
    try {
      String trace = convert(new IllegalStateException("cannot bind"));
      assertTrue(trace.contains("java.lang.IllegalStateException: cannot bind") && trace.contains("\tat "), trace);
    } finally {
      if (before == null) {
        System.clearProperty("cohort.log.level");
      } else {
        System.setProperty("cohort.log.level", before);
      }
    }
  }
}
