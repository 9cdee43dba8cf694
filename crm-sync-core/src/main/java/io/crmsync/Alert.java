package io.crmsync;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A critical condition a person should know about: each stops the run it happened in.
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
    /** More records were dead-lettered in one run than the configured threshold; the run stopped. */
    DEAD_LETTER_THRESHOLD,
    /**
     * A CRM's quota for a long period (a daily API limit) is spent, or it asked for a wait longer than the
     * sync may wait; the run stopped and the rest is left for a run after the reset.
     */
    QUOTA_EXHAUSTED,
    /**
     * The sync failed and stopped: the source could not be read, the durability backend could not be
     * reached, a setting turned out wrong, or no record could be written.
     */
    SYNC_FAILED
  }

  public Alert {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(at, "at");
  }
}
