package io.crmsync.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The command line's logging: logback, to stderr (stdout holds reports), as text or as one JSON object per
 * line. {@code --log-level} sets crm-sync's own loggers ({@code io.crmsync}); other libraries log warnings and
 * errors only, or everything at {@code trace}.
 */
final class Logging {
  /** How log lines are written. */
  enum Format {
    /** {@code 12:00:00.000 INFO  [thread] logger - message {job=..., run=...}} */
    TEXT,
    /**
     * One JSON object per line (logback's {@code JsonEncoder}): timestamp, level, thread, logger, the MDC keys
     * {@code job}, {@code run}, {@code adapter} and {@code task}, the formatted message and the throwable.
     */
    JSON
  }

  private Logging() {}

  /** Reads {@code error}, {@code warn}, {@code info}, {@code debug} or {@code trace}, in any case. */
  static final class LevelConverter implements ITypeConverter<Level> {
    @Override
    public Level convert(String value) {
      String v = value.strip().toUpperCase(Locale.ROOT);
      return switch (v) {
        case "ERROR", "WARN", "INFO", "DEBUG", "TRACE" -> Level.toLevel(v);
        default -> throw new TypeConversionException("'" + value + "' is not a level: error, warn, info, debug or trace");
      };
    }
  }

  /** Sends crm-sync's log lines at {@code level} and in {@code format} to stderr, replacing any earlier setup. */
  static void configure(Level level, Format format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J backend was put on the class path: leave it to its own configuration
    }
    context.reset();
    Encoder<ILoggingEvent> encoder = format == Format.JSON ? json(context) : text(context);
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(stderr);
    root.setLevel(level == Level.TRACE ? Level.TRACE : Level.WARN);
    context.getLogger("io.crmsync").setLevel(level);
  }

  private static Encoder<ILoggingEvent> text(LoggerContext context) {
    PatternLayoutEncoder e = new PatternLayoutEncoder();
    e.setContext(context);
    e.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%replace( {%mdc}){' \\{\\}', ''}%n");
    e.start();
    return e;
  }

  private static Encoder<ILoggingEvent> json(LoggerContext context) {
    JsonEncoder e = new JsonEncoder();
    e.setContext(context);
    e.setWithSequenceNumber(false);
    e.setWithNanoseconds(false);
    e.setWithContext(false);
    e.setWithMarkers(false);
    e.setWithKVPList(false);
    e.setWithArguments(false);
    e.setWithMessage(false);
    e.setWithFormattedMessage(true);
    e.start();
    return e;
  }
}
