package io.crmsync.state;

import io.crmsync.state.internal.InMemorySyncStateStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a sync remembers between batches and runs: checkpoints, id links between systems, fingerprints of
 * written content, and dead letters. The engine reads in bulk (one call per batch) and writes each
 * batch's outcome with one {@link #apply} call.
 *
 * <p>Implementations must be thread-safe. The in-memory default forgets everything when the process
 * ends; the {@code crm-sync-jdbc} module keeps it in PostgreSQL.
 */
public interface SyncStateStore extends AutoCloseable {

  /** A store in this process's memory. */
  static SyncStateStore inMemory() {
    return new InMemorySyncStateStore();
  }

  /** The job's last checkpoint, or empty if it never saved one. */
  Optional<Checkpoint> checkpoint(String jobId);

  /** Saves the job's checkpoint, replacing the previous one. */
  void saveCheckpoint(String jobId, Checkpoint checkpoint);

  /**
   * The ids in {@code toSystem} linked to {@code fromIds} of {@code fromSystem}; ids without a link are
   * absent from the result.
   *
   * <p>A link is saved from one side, its {@link IdLink#fromSystem()}, and found from both: a link saved
   * from A to B is found from B to A too. An id has at most one link saved from its own side to one
   * system for one object type, the last one saved: saving another replaces it, so that its earlier
   * target no longer finds it either. Links saved from the other side that name the id are the other
   * side's, and saving the id's own link leaves them alone: in a two-way sync with duplicates on both
   * sides, links between two systems are many-to-many (a1 and a2 written into b1, b2 written into a1).
   *
   * <p>This gives each id one link: the one it saved itself if it has one, else one of those saved from
   * the other side that name it. {@link #allLinkedIds} gives all.
   */
  Map<String, String> linkedIds(String objectType, String fromSystem, Collection<String> fromIds, String toSystem);

  /**
   * Every id in {@code toSystem} linked to each of {@code fromIds} of {@code fromSystem}: the link the id
   * saved itself and every link saved from the other side that names it ({@link #linkedIds} says which
   * links a save replaces); ids without a link are absent from the result. Where {@link #linkedIds} gives
   * one id, this gives all: several records of one system are linked to one record of the other when the sync
   * wrote them into it (duplicates that share the match key). The engine asks it before propagating a
   * delete, so that a record is deleted only once no other record is linked to it; one call per batch,
   * so implementations answer in bulk, and should index links by either id (a sync can delete thousands).
   *
   * <p>The store must also remove the {@linkplain StateUpdate#unlinks() links an update unlinks}.
   *
   * @return for each of {@code fromIds} with a link, the ids it is linked to
   */
  Map<String, Set<String>> allLinkedIds(
      String objectType, String fromSystem, Collection<String> fromIds, String toSystem);

  /**
   * The baselines saved under {@code scope} for {@code keys}: the values a two-way sync last agreed on
   * for each pair; keys without one are absent.
   */
  Map<String, Map<String, Object>> baselines(String scope, Collection<String> keys);

  /** The fingerprints saved under {@code scope} for {@code keys}; keys without one are absent. */
  Map<String, String> fingerprints(String scope, Collection<String> keys);

  /**
   * Saves a batch's links, fingerprints, baselines and dead letters, and removes its unlinks and resolved
   * dead letters, in one step. A dead letter for a record that already has one in the same job and operation
   * (the same record id) replaces it, keeping the earlier one's {@link DeadLetter#firstFailedAt()}: a
   * store keeps each record's latest failure, so that a record that stays invalid is not listed again on
   * every run. Letters for records without an id are all kept. A resolved dead letter that does not exist
   * is ignored.
   *
   * <p>An unlink removes the link between its two ids, whether it was saved from one side, the other or
   * both; a link of either id to a third stays. If an id loses the link {@link #linkedIds} gave and has others,
   * {@link #linkedIds} gives one of those from then on. Unlinking ids that are not linked does nothing.
   */
  void apply(StateUpdate update);

  /**
   * The dead letters {@code query} selects, in the order they were last written (oldest first), at most
   * {@link DeadLetterQuery#limit()}.
   */
  List<DeadLetter> deadLetters(DeadLetterQuery query);

  /** Up to {@code limit} of the job's dead letters, in the order they were last written (oldest first). */
  default List<DeadLetter> deadLetters(String jobId, int limit) {
    return deadLetters(DeadLetterQuery.job(jobId).limit(Math.min(limit, DeadLetterQuery.MAX_LIMIT)));
  }

  /**
   * Removes the dead letters {@code query} selects, up to its limit (for purging those no longer wanted).
   *
   * @return how many were removed
   */
  long removeDeadLetters(DeadLetterQuery query);

  /** How many dead letters the job has: one per record and operation, besides those without an id. */
  long deadLetterCount(String jobId);

  @Override
  default void close() {}
}
