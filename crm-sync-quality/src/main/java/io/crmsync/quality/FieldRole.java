package io.crmsync.quality;

/**
 * What a field means to the engine: how it is normalised, compared and blocked on. Fields with no role
 * are not compared, but are still merged.
 */
public enum FieldRole {
  /** An email address: plus-tags and Gmail dots removed; role mailboxes (info@, sales@) count as shared. */
  EMAIL,
  /**
   * A phone number, compared in E.164 form. Several phone fields (phone, mobile, home) are one set of
   * numbers: two records agree when any number of one is any number of the other.
   */
  PHONE,
  /** A given name: accents and case folded, nicknames mapped (Bob = Robert). */
  FIRST_NAME,
  /** A family name. */
  LAST_NAME,
  /**
   * A whole name in one field; split into given name (first word) and family name (last word), or read
   * as family name first when a comma follows it ({@code Smith, John}).
   */
  FULL_NAME,
  /** An organisation name: legal suffixes (Inc, LLC, GmbH ...) and punctuation removed. */
  COMPANY,
  /** A city or suburb. */
  CITY,
  /** A street address: common words abbreviated (Street = St). */
  ADDRESS,
  /** A postal code. */
  POSTCODE,
  /** A date such as a birth date: exact, one typo, or day and month swapped. */
  DATE,
  /** An identifier that is nearly unique per entity (national id, customer number). */
  IDENTIFIER,
  /** Free text compared by Jaro-Winkler. */
  TEXT,
  /** A category with few values (state, region): exact or not. */
  CATEGORY,
  /**
   * The record's country (ISO code or name, {@code GB}, {@code United Kingdom}, {@code UK}): the region
   * its phone numbers written without a country code are read in, in place of the engine's default
   * region. Not compared: it repeats what city and phone already say.
   */
  COUNTRY,
  /** When the record last changed (ISO-8601, or as CRM exports write it); used for recency, not compared. */
  UPDATED_AT,
  /** Which system the record came from; used for source priority, not compared. */
  SOURCE
}
