package io.crmsync.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every log event while open, kept in memory (logback's own events, with their MDC and throwables), at the
 * levels given: for tests of what is logged. Restores the levels it changed when closed.
 */
final class CapturedLogs extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final List<ILoggingEvent> events = new ArrayList<>();
  private final Logger root;
  private final Logger crmsync;
  private final Level rootLevel;
  private final Level crmsyncLevel;

  private CapturedLogs(Level rootLevel, Level crmsyncLevel) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    setContext(context);
    setName("captured");
    this.root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    this.crmsync = context.getLogger("io.crmsync");
    this.rootLevel = root.getLevel();
    this.crmsyncLevel = crmsync.getLevel();
    root.setLevel(rootLevel);
    crmsync.setLevel(crmsyncLevel);
    start();
    root.addAppender(this);
  }

  /** Captures crm-sync's events at {@code crmsync} and everyone's at {@code everyone}. */
  static CapturedLogs start(Level everyone, Level crmsync) {
    return new CapturedLogs(everyone, crmsync);
  }

  @Override
  protected synchronized void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing();
    events.add(event);
  }

  synchronized List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  /** Every event as one text: level, thread, logger, MDC, message, and each throwable with its chain and frames. */
  synchronized List<String> lines() {
    List<String> out = new ArrayList<>(events.size());
    for (ILoggingEvent e : events) {
      StringBuilder sb = new StringBuilder().append(e.getLevel()).append(' ').append(e.getThreadName()).append(' ')
          .append(e.getLoggerName()).append(' ').append(e.getMDCPropertyMap()).append(' ').append(e.getFormattedMessage());
      throwable(e.getThrowableProxy(), sb, 0);
      out.add(sb.toString());
    }
    return out;
  }

  private static void throwable(IThrowableProxy t, StringBuilder sb, int depth) {
    if (t == null || depth > 20) {
      return;
    }
    sb.append("\n  ").append(t.getClassName()).append(": ").append(t.getMessage());
    for (StackTraceElementProxy f : t.getStackTraceElementProxyArray()) {
      sb.append("\n    ").append(f.getSTEAsString());
    }
    for (IThrowableProxy s : t.getSuppressed()) {
      throwable(s, sb, depth + 1);
    }
    throwable(t.getCause(), sb, depth + 1);
  }

  @Override
  public void close() {
    root.detachAppender(this);
    stop();
    root.setLevel(rootLevel);
    crmsync.setLevel(crmsyncLevel);
  }
}
