package io.crmsync;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A critical condition a person should know about: the seed's {@code alert_on_critical}.
 *
 * @param kind what happened
 * @param jobId the sync job it happened in
 * @param message a sentence for a human, without secrets
 * @param cause the failure behind it, if any
 * @param at when it happened
 */
public record Alert(Kind kind, String jobId, String message, @Nullable Throwable cause, Instant at) {

  /** What the alert is about. */
  public enum Kind {
    /** A CRM refused the credentials even after a refresh; the sync stopped. */
    AUTHENTICATION_LOST,
    /** More records were dead-lettered in one run than the configured threshold. */
    DEAD_LETTER_THRESHOLD,
    /** The sync failed and stopped before reading everything (the source could not be read). */
    SYNC_FAILED
  }

  public Alert {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(at, "at");
  }
}
