package io.crmsync;

/**
 * What a sync does with a record it is about to create when a {@link io.crmsync.spi.DuplicateFinder}
 * says the target probably holds it already under another match-key value. See {@link
 * CRMSync.Builder#duplicatesOnIngest}.
 */
public enum DuplicatePolicy {
  /**
   * Writes the record into the target record found, as an update by that record's match-key value (the
   * target keeps its own key: an email the target has is not replaced), and links the two, so that later
   * runs update that record too.
   */
  LINK,
  /** Creates the record anyway, as without a finder; the finds are counted and logged only. */
  CREATE,
  /**
   * Holds the record for a person to decide: not written, kept with the record found as a dead letter of
   * operation {@link io.crmsync.state.DeadLetter.Operation#REVIEW}; see {@link CRMSync#duplicatesInReview}
   * and {@link CRMSync#resolveDuplicate}. The rest of the sync goes on.
   */
  REVIEW
}
