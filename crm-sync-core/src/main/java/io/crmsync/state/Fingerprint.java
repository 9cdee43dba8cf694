package io.crmsync.state;

import java.util.Objects;

/**
 * A digest of the content last written for one record, so that unchanged records are skipped and a
 * two-way sync does not echo its own writes back.
 *
 * @param scope where it was written and from where: target system, object type and source system, such
 *     as {@code hubspot/contact<salesforce}
 * @param key which record: its id in the source system, such as {@code 003...}
 * @param value the digest
 */
public record Fingerprint(String scope, String key, String value) {
  public Fingerprint {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }
}
