package io.crmsync.quality;

import java.util.Map;
import java.util.Objects;

/**
 * The golden record of a cluster: one value per field, each with its {@link FieldProvenance}.
 *
 * @param clusterId the cluster
 * @param masterId the master member; its id is the merged record's id
 * @param fields the surviving value of every field any member has; unmodifiable
 * @param provenance per field, where its value came from; same keys as {@code fields}; unmodifiable
 */
public record MergedRecord(
    String clusterId, String masterId, Map<String, String> fields, Map<String, FieldProvenance> provenance) {
  public MergedRecord {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(masterId, "masterId");
    Objects.requireNonNull(fields, "fields");
    Objects.requireNonNull(provenance, "provenance");
  }
}
