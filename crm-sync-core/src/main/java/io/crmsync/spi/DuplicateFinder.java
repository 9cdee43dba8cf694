package io.crmsync.spi;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.model.CrmRecord;
import java.util.List;
import java.util.Objects;

/**
 * Finds, for records a sync is about to create in its target, a record the target already holds that is
 * probably the same person or company under another match-key value (another email, say), so that the
 * sync can link to it instead of creating a duplicate. See {@code CRMSync.Builder#duplicatesOnIngest}.
 *
 * <p>The engine asks only about records that have no id link to the target yet (never written by this
 * job, nor by its opposite direction), in batches of the size it writes, from its worker threads. It opens
 * one {@link Session} per run, before the first batch, and closes it when the run ends: a session may keep
 * what it read of the target for the rest of the run.
 *
 * <p>Implementations say in their Javadoc what they cost in requests to the target, and make every call
 * to it through {@link Scope#limiter()}, so that the sync stays within the target's budget. {@code
 * crm-sync-quality}'s {@code ProbableDuplicates} is the implementation this project ships.
 */
public interface DuplicateFinder {

  /**
   * Starts a run's session. Makes no call to the target (a session reads what it needs when first asked),
   * so a run whose records are all linked already costs nothing.
   *
   * @throws NullPointerException if {@code scope} is null
   */
  Session open(Scope scope);

  /**
   * What a session searches.
   *
   * @param target the adapter records are written to
   * @param objectType the object type synced
   * @param matchKey the key the sync writes by: a record whose key value the target already holds is
   *     written into that record by the upsert itself, and must not be given another
   * @param limiter the target's request budget, shared with the sync's writes: acquire a permit for each
   *     call to {@code target}
   */
  record Scope(CRMAdapter target, String objectType, MatchKey matchKey, RequestLimiter limiter) {
    public Scope {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(objectType, "objectType");
      Objects.requireNonNull(matchKey, "matchKey");
      Objects.requireNonNull(limiter, "limiter");
    }
  }

  /** One run's searches. Called from several worker threads at once: implementations must be thread-safe. */
  interface Session extends AutoCloseable {

    /**
     * For {@code records} (mapped to the target's shape, about to be created), the probable duplicates in
     * the target: at most one per record, each naming its record's {@linkplain ProbableDuplicate#index()
     * position} in {@code records}; records without one are absent. Never a record whose match-key value
     * the target already holds.
     *
     * @throws io.crmsync.CrmSyncException if the target cannot be read: the engine handles it as a failed
     *     write of the batch (waits out a rate limit, retries per its policy, then dead-letters the batch's
     *     records), so that no record is lost
     */
    List<ProbableDuplicate> find(List<CrmRecord> records);

    /** Releases what the session holds. Makes no call to the target. */
    @Override
    default void close() {}
  }
}
