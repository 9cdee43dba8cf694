package io.crmsync.state;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How far a sync job got, so that a restarted job resumes instead of starting over.
 *
 * @param cursor the source cursor of the next page to read in the pass under way, or {@code null} when
 *     no pass is under way (the next run starts a new one)
 * @param passSince the {@code since} of the pass under way ({@code null} for a full read)
 * @param watermark the latest modification time of the records settled so far; the next pass reads
 *     records modified since then (minus an overlap), or {@code null} if none was seen
 * @param updatedAt when this checkpoint was saved
 */
public record Checkpoint(
    @Nullable String cursor, @Nullable Instant passSince, @Nullable Instant watermark, Instant updatedAt) {
  public Checkpoint {
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** Whether a pass was under way when this was saved. */
  public boolean inPass() {
    return cursor != null;
  }
}
