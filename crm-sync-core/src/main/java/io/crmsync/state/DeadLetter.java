package io.crmsync.state;

import io.crmsync.model.CrmRecord;
import java.time.Instant;
import java.util.Objects;

/**
 * A record a sync gave up on, with why, so it can be fixed and replayed. Nothing is dropped silently.
 *
 * @param jobId the sync job
 * @param operation {@code upsert} or {@code delete}
 * @param record the record as read from the source
 * @param errorCode a short code: the CRM's error code or the exception type
 * @param message what was wrong, naming the field where known; never a secret
 * @param attempts how many times it was tried
 * @param at when it was given up on
 */
public record DeadLetter(
    String jobId, String operation, CrmRecord record, String errorCode, String message, int attempts, Instant at) {
  public DeadLetter {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(errorCode, "errorCode");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(at, "at");
  }
}
