package io.crmsync.state;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which dead letters of a job to list or remove: all of them, or those of one operation, one error code,
 * only transient ones, or those given up on before an instant; at most {@link #limit()}, in the order
 * they were last written (oldest first). Immutable; each {@code withX} returns a new query.
 *
 * <pre>{@code
 * store.deadLetters(DeadLetterQuery.job("app-to-hubspot").errorCode("INVALID_EMAIL").limit(50));
 * }</pre>
 *
 * @param jobId the job
 * @param operation only this operation, or {@code null} for both
 * @param errorCode only this error code, or {@code null} for any
 * @param retryableOnly only dead letters of transient failures
 * @param before only those given up on before this instant, or {@code null} for any time
 * @param limit the most to return; positive
 */
public record DeadLetterQuery(
    String jobId,
    DeadLetter.@Nullable Operation operation,
    @Nullable String errorCode,
    boolean retryableOnly,
    @Nullable Instant before,
    int limit) {

  /** The default and largest {@link #limit()}: queries page through more. */
  public static final int MAX_LIMIT = 10_000;

  public DeadLetterQuery {
    Objects.requireNonNull(jobId, "jobId");
    if (limit <= 0 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be within 1 and " + MAX_LIMIT + ": " + limit);
    }
  }

  /** Every dead letter of {@code jobId}, up to {@link #MAX_LIMIT}. */
  public static DeadLetterQuery job(String jobId) {
    return new DeadLetterQuery(jobId, null, null, false, null, MAX_LIMIT);
  }

  public DeadLetterQuery operation(DeadLetter.@Nullable Operation operation) {
    return new DeadLetterQuery(jobId, operation, errorCode, retryableOnly, before, limit);
  }

  public DeadLetterQuery errorCode(@Nullable String errorCode) {
    return new DeadLetterQuery(jobId, operation, errorCode, retryableOnly, before, limit);
  }

  public DeadLetterQuery retryableOnly(boolean retryableOnly) {
    return new DeadLetterQuery(jobId, operation, errorCode, retryableOnly, before, limit);
  }

  public DeadLetterQuery before(@Nullable Instant before) {
    return new DeadLetterQuery(jobId, operation, errorCode, retryableOnly, before, limit);
  }

  public DeadLetterQuery limit(int limit) {
    return new DeadLetterQuery(jobId, operation, errorCode, retryableOnly, before, limit);
  }

  /** Whether {@code d} is one this query selects (the limit aside). */
  public boolean matches(DeadLetter d) {
    return d.jobId().equals(jobId)
        && (operation == null || d.operation() == operation)
        && (errorCode == null || d.errorCode().equals(errorCode))
        && (!retryableOnly || d.retryable())
        && (before == null || d.at().isBefore(before));
  }
}
