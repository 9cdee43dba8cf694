package io.crmsync.internal;

import io.crmsync.model.CrmRecord;
import io.crmsync.state.StateUpdate;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A pass of a two-way sync: decides, page by page, which records to write (their content merged with
 * the other side's changes) and which need nothing, and says what a written record leaves in the state
 * (the values both sides now agree on). Replaces the one-way passes' fingerprint check.
 */
public interface Pairing {

  /**
   * Of one page's {@code items} (mapped and cut to what the target takes), those to write, in order, each
   * possibly with merged content; the rest are settled as unchanged. {@code forTarget} cuts a record of the
   * target's shape to what the target takes.
   */
  List<Item> pair(List<Item> items, UnaryOperator<CrmRecord> forTarget);

  /** Adds to {@code update} what {@code item}, written as {@code targetId}, leaves in the state. */
  void written(Item item, String targetId, StateUpdate.Builder update);

  /**
   * Whether the target record {@code targetId}, linked to the deleted source record {@code sourceId}, is
   * kept rather than deleted: a change made on the target side since the two last agreed wins over the
   * deletion, so that nothing is lost.
   */
  default boolean keepOnDelete(String sourceId, String targetId) {
    return false;
  }

  /** Called once the target record {@code targetId} was deleted because {@code sourceId} was. */
  default void deleted(String sourceId, String targetId) {}
}
