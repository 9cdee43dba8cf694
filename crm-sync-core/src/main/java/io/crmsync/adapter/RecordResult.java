package io.crmsync.adapter;

import io.crmsync.spi.Checks;
import org.jspecify.annotations.Nullable;

/**
 * What happened to one record of a batch write. Adapters return exactly one per input record, in input
 * order; {@link #index()} is the record's position in the batch.
 *
 * @param index the record's position in the batch it was sent in
 * @param status what happened
 * @param id the record's id in the CRM after the write ({@code null} when it failed)
 * @param error why it failed ({@code null} unless {@code status} is {@link Status#FAILED})
 */
public record RecordResult(int index, Status status, @Nullable String id, @Nullable RecordError error) {

  /** The outcome of writing one record. */
  public enum Status {
    CREATED,
    UPDATED,
    DELETED,
    FAILED
  }

  public RecordResult {
    Checks.notNegative(index, "index");
    if ((status == Status.FAILED) != (error != null)) {
      throw new IllegalArgumentException("error must be set exactly when status is FAILED: " + status);
    }
    if (status != Status.FAILED && status != Status.DELETED && id == null) {
      throw new IllegalArgumentException("id must be set for status " + status);
    }
  }

  public static RecordResult created(int index, String id) {
    return new RecordResult(index, Status.CREATED, id, null);
  }

  public static RecordResult updated(int index, String id) {
    return new RecordResult(index, Status.UPDATED, id, null);
  }

  public static RecordResult deleted(int index, @Nullable String id) {
    return new RecordResult(index, Status.DELETED, id, null);
  }

  public static RecordResult failed(int index, RecordError error) {
    return new RecordResult(index, Status.FAILED, null, error);
  }

  public boolean succeeded() {
    return status != Status.FAILED;
  }
}
