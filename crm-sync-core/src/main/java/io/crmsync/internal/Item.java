package io.crmsync.internal;

import io.crmsync.model.CrmRecord;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record on its way through the engine, with what travels with it: the fingerprint of the content
 * to write (computed once, when it was read) and the page of the run it came from, so that a batch made
 * of several pages settles each page's share of the checkpoint.
 *
 * @param record the record to write, or the source record whose deletion to propagate
 * @param fingerprint the digest of {@code record}'s content; {@code null} for deletions
 * @param page the sequence number of the page it was read in, or {@link #UNTRACKED} for records that
 *     belong to no page of this run (dead letters tried again)
 */
public record Item(CrmRecord record, @Nullable String fingerprint, long page) {
  /** The page of records that no checkpoint waits for. */
  public static final long UNTRACKED = -1;

  public Item {
    Objects.requireNonNull(record, "record");
  }

  String requireFingerprint() {
    return Objects.requireNonNull(fingerprint, "fingerprint");
  }
}
