package io.crmsync.state;

import io.crmsync.adapter.FieldError;
import io.crmsync.model.CrmRecord;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A record a sync gave up on, with what it takes to act on it: the record, the operation, the CRM's
 * error code, message and field errors, its request id, how many attempts were made and when, and
 * whether the failure was transient. Nothing is dropped silently: a transient one is tried again by the
 * job's next run, and a dead letter is cleared once its record lands. Built with {@link #builder};
 * immutable and thread-safe.
 */
public final class DeadLetter {

  /** What was being done to the record. */
  public enum Operation {
    UPSERT,
    DELETE,
    /**
     * Not a failure: a two-way sync's pair whose conflict its policy sent to a person. The record holds
     * both versions and what they last agreed on ({@code first}, {@code second}, {@code base}).
     */
    REVIEW;

    /** The lower-case name, as stored and shown ({@code upsert}, {@code delete}). */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The operation named {@code label}, in any case.
     *
     * @throws IllegalArgumentException if it names none
     */
    public static Operation fromLabel(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT));
    }
  }

  private final String jobId;
  private final Operation operation;
  private final CrmRecord record;
  private final String errorCode;
  private final String message;
  private final List<FieldError> fieldErrors;
  private final @Nullable String requestId;
  private final int attempts;
  private final boolean retryable;
  private final Instant firstFailedAt;
  private final Instant at;

  private DeadLetter(Builder b) {
    this.jobId = b.jobId;
    this.operation = b.operation;
    this.record = b.record;
    this.errorCode = Objects.requireNonNull(b.errorCode, "errorCode");
    this.message = Objects.requireNonNull(b.message, "message");
    this.fieldErrors = List.copyOf(b.fieldErrors);
    this.requestId = b.requestId;
    this.attempts = b.attempts;
    this.retryable = b.retryable;
    this.at = Objects.requireNonNull(b.at, "at");
    this.firstFailedAt = b.firstFailedAt != null ? b.firstFailedAt : b.at;
  }

  /**
   * A builder for a dead letter of {@code record} in {@code jobId}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(String jobId, Operation operation, CrmRecord record) {
    return new Builder(jobId, operation, record);
  }

  /** A builder holding this dead letter's values, to derive another from. */
  public Builder toBuilder() {
    return new Builder(jobId, operation, record)
        .errorCode(errorCode)
        .message(message)
        .fieldErrors(fieldErrors)
        .requestId(requestId)
        .attempts(attempts)
        .retryable(retryable)
        .firstFailedAt(firstFailedAt)
        .at(at);
  }

  /** The sync job. */
  public String jobId() {
    return jobId;
  }

  /** What was being done to the record. */
  public Operation operation() {
    return operation;
  }

  /** The record as read from the source. */
  public CrmRecord record() {
    return record;
  }

  /** A short code: the CRM's error code, or the kind of failure. */
  public String errorCode() {
    return errorCode;
  }

  /** What was wrong, naming the field where known; never a secret. */
  public String message() {
    return message;
  }

  /** The fields the CRM refused, where it named them. */
  public List<FieldError> fieldErrors() {
    return fieldErrors;
  }

  /** The CRM's id of the request that failed last, where it sent one. */
  public @Nullable String requestId() {
    return requestId;
  }

  /** How many times the record was tried. */
  public int attempts() {
    return attempts;
  }

  /**
   * Whether the failure was transient (the CRM unavailable, a lost response, a rate limit): then the
   * job's next run tries the record again, whatever its incremental window. A record the CRM refused
   * stays until it changes in the source or its dead letter is replayed.
   */
  public boolean retryable() {
    return retryable;
  }

  /** When the record first failed, in the run that gave up on it. */
  public Instant firstFailedAt() {
    return firstFailedAt;
  }

  /** When it was given up on. */
  public Instant at() {
    return at;
  }

  /** The record's id in its source, or {@code null} for a record without one. */
  public @Nullable String recordId() {
    return record.id();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter d
        && jobId.equals(d.jobId)
        && operation == d.operation
        && record.equals(d.record)
        && errorCode.equals(d.errorCode)
        && message.equals(d.message)
        && fieldErrors.equals(d.fieldErrors)
        && Objects.equals(requestId, d.requestId)
        && attempts == d.attempts
        && retryable == d.retryable
        && firstFailedAt.equals(d.firstFailedAt)
        && at.equals(d.at);
  }

  @Override
  public int hashCode() {
    return Objects.hash(jobId, operation, record, errorCode, message, attempts, at);
  }

  /** The job, operation, record id, code, message and attempts; never the record's fields (personal data). */
  @Override
  public String toString() {
    return "DeadLetter{" + jobId + " " + operation.label() + " " + record.id() + ": " + errorCode + " " + message
        + (requestId != null ? " (request " + requestId + ")" : "") + ", attempts=" + attempts
        + (retryable ? ", retryable" : "") + ", at=" + at + "}";
  }

  /** Builds a {@link DeadLetter}. Not thread-safe. */
  public static final class Builder {
    private final String jobId;
    private final Operation operation;
    private final CrmRecord record;
    private @Nullable String errorCode;
    private @Nullable String message;
    private List<FieldError> fieldErrors = List.of();
    private @Nullable String requestId;
    private int attempts = 1;
    private boolean retryable;
    private @Nullable Instant firstFailedAt;
    private @Nullable Instant at;

    Builder(String jobId, Operation operation, CrmRecord record) {
      this.jobId = Objects.requireNonNull(jobId, "jobId");
      this.operation = Objects.requireNonNull(operation, "operation");
      this.record = Objects.requireNonNull(record, "record");
    }

    /** Required. */
    public Builder errorCode(String errorCode) {
      this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
      return this;
    }

    /** Required. */
    public Builder message(String message) {
      this.message = Objects.requireNonNull(message, "message");
      return this;
    }

    public Builder fieldErrors(List<FieldError> fieldErrors) {
      this.fieldErrors = List.copyOf(fieldErrors);
      return this;
    }

    public Builder requestId(@Nullable String requestId) {
      this.requestId = requestId;
      return this;
    }

    /** 1 unless set. */
    public Builder attempts(int attempts) {
      if (attempts < 0) {
        throw new IllegalArgumentException("attempts must not be negative: " + attempts);
      }
      this.attempts = attempts;
      return this;
    }

    public Builder retryable(boolean retryable) {
      this.retryable = retryable;
      return this;
    }

    /** {@link #at} unless set. */
    public Builder firstFailedAt(@Nullable Instant firstFailedAt) {
      this.firstFailedAt = firstFailedAt;
      return this;
    }

    /** Required. */
    public Builder at(Instant at) {
      this.at = Objects.requireNonNull(at, "at");
      return this;
    }

    /** @throws NullPointerException if the error code, message or time is missing */
    public DeadLetter build() {
      return new DeadLetter(this);
    }
  }
}
