package io.crmsync.state;

import io.crmsync.model.CrmRecord;
import java.util.Map;
import java.util.Objects;

/**
 * The values a two-way sync last agreed on for one linked pair of records: its common ancestor, from
 * which the next run tells which side changed which field since, and merges (a three-way comparison,
 * not "the newest record wins").
 *
 * @param scope the sync job's pairs, such as {@code hubspot<>salesforce/contact}
 * @param key which pair: its record's id on the job's first side
 * @param fields the values, as written to the second side (after mapping); copied, unmodifiable, and
 *     normalised as {@link CrmRecord#fields()} are
 */
public record Baseline(String scope, String key, Map<String, Object> fields) {
  public Baseline {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(key, "key");
    fields = CrmRecord.of("baseline", Objects.requireNonNull(fields, "fields")).fields();
  }
}
