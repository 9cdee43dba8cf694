package io.crmsync;

/**
 * Receives {@link Alert}s: page someone, post to a channel, open a ticket. Called at most once per kind
 * per run, from engine threads; an exception it throws is logged and ignored.
 */
@FunctionalInterface
public interface AlertSink {
  /** Alerts are only logged (at ERROR, through SLF4J). */
  AlertSink LOG_ONLY = alert -> {};

  void alert(Alert alert);
}
