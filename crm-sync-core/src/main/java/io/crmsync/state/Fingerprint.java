package io.crmsync.state;

import java.util.Objects;

/**
 * A digest of the content last written for one record, so that unchanged records are skipped and a
 * two-way sync does not echo its own writes back.
 *
 * @param scope where it was written: the system and object type, such as {@code hubspot/contact}
 * @param key which record: the source system and id, such as {@code salesforce:003...}
 * @param value the digest
 */
public record Fingerprint(String scope, String key, String value) {
  public Fingerprint {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }
}
