package io.crmsync.twoway;

/** What a two-way sync does on one side when the linked record is deleted on the other. */
public enum DeletePolicy {
  /** Delete it too (CRMs that archive, such as HubSpot, archive it). */
  DELETE,
  /** Keep it; only the link goes. */
  IGNORE
}
