package dev.cohort.actors.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * A node's whole log (INFO and up, every logger, Pekko's internals included) in a file of the run
 * directory, while the terminal keeps to one line per run event ({@link TerminalFilter}). Closing
 * it detaches the file and gives the terminal back its usual threshold.
 */
public final class RunLog implements AutoCloseable {

  private final FileAppender<ILoggingEvent> file;

  private RunLog(FileAppender<ILoggingEvent> file) {
    this.file = file;
  }

  /** Starts logging to {@code path} (appended to, its directory created). */
  public static RunLog open(Path path) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setName("run-log");
    appender.setFile(path.toAbsolutePath().toString());
    appender.setAppend(true);
    appender.setEncoder(encoder);
    appender.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    TerminalFilter.runLogged(true);
    return new RunLog(appender);
  }

  @Override
  public void close() {
    TerminalFilter.runLogged(false);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(file);
    file.stop();
  }
}
