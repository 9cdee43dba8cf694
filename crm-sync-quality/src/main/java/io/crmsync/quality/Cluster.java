package io.crmsync.quality;

import java.util.List;
import java.util.Objects;

/**
 * A set of records judged to be the same entity.
 *
 * @param id stable for the same input: the smallest member id
 * @param memberIds member ids, sorted
 * @param masterId the chosen master
 * @param merged the merged record
 */
public record Cluster(String id, List<String> memberIds, String masterId, MergedRecord merged) {
  public Cluster {
    Objects.requireNonNull(id, "id");
    memberIds = List.copyOf(Objects.requireNonNull(memberIds, "memberIds"));
    Objects.requireNonNull(masterId, "masterId");
    Objects.requireNonNull(merged, "merged");
  }

  /** The number of members. */
  public int size() {
    return memberIds.size();
  }
}
