package io.crmsync.quality;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Why each member is in a cluster: the match through which it joined (the clustering's spanning tree),
 * and why the master won.
 *
 * @param clusterId the cluster
 * @param masterId the master
 * @param masterReason the master's score and its parts
 * @param members one entry per member
 */
public record ClusterExplanation(
    String clusterId, String masterId, String masterReason, List<Member> members) {

  /**
   * One member.
   *
   * @param recordId the member
   * @param linkedTo the member it was matched to when it joined, or {@code null} for the first member
   * @param link the explanation of that match, or {@code null} for the first member
   */
  public record Member(String recordId, @Nullable String linkedTo, @Nullable PairExplanation link) {
    public Member {
      Objects.requireNonNull(recordId, "recordId");
    }
  }

  public ClusterExplanation {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(masterId, "masterId");
    Objects.requireNonNull(masterReason, "masterReason");
    members = List.copyOf(Objects.requireNonNull(members, "members"));
  }
}
