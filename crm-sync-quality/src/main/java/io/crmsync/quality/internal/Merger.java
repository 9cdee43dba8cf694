package io.crmsync.quality.internal;

import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.FieldCandidate;
import io.crmsync.quality.FieldProvenance;
import io.crmsync.quality.FieldRole;
import io.crmsync.quality.MasterPolicy;
import io.crmsync.quality.MergedRecord;
import io.crmsync.quality.RecordSchema;
import io.crmsync.quality.SurvivorshipRule;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Master selection and survivorship. Immutable; thread-safe. */
public final class Merger {
  private final MasterPolicy policy;
  private final Map<String, SurvivorshipRule> byField;
  private final Map<FieldRole, SurvivorshipRule> byRole;
  private final SurvivorshipRule fallback;
  private final Map<String, FieldRole> roles = new LinkedHashMap<>();

  public Merger(RecordSchema schema, MasterPolicy policy, Map<String, SurvivorshipRule> byField,
      Map<FieldRole, SurvivorshipRule> byRole, SurvivorshipRule fallback) {
    this.policy = policy;
    this.byField = byField;
    this.byRole = byRole;
    this.fallback = fallback;
    for (RecordSchema.Field f : schema.fields()) {
      roles.put(f.name(), f.role());
    }
  }

  SurvivorshipRule ruleFor(String field) {
    SurvivorshipRule r = byField.get(field);
    if (r != null) {
      return r;
    }
    FieldRole role = roles.get(field);
    if (role != null) {
      r = byRole.get(role);
      if (r != null) {
        return r;
      }
    }
    return fallback;
  }

  /** Scores of each member, in member order: {@code [total, completeness, recency, source]}. */
  double[][] scores(List<DedupeRecord> members) {
    Set<String> fields = new LinkedHashSet<>();
    Instant min = null;
    Instant max = null;
    for (DedupeRecord r : members) {
      fields.addAll(r.fields().keySet());
      if (r.updatedAt() != null) {
        min = min == null || r.updatedAt().isBefore(min) ? r.updatedAt() : min;
        max = max == null || r.updatedAt().isAfter(max) ? r.updatedAt() : max;
      }
    }
    List<String> sources = policy.sourcePriority();
    double[][] out = new double[members.size()][];
    for (int k = 0; k < members.size(); k++) {
      DedupeRecord r = members.get(k);
      double completeness = fields.isEmpty() ? 0 : (double) r.fields().size() / fields.size();
      double recency = 0;
      if (r.updatedAt() != null) {
        long span = max.toEpochMilli() - min.toEpochMilli();
        recency = span == 0 ? 1 : (double) (r.updatedAt().toEpochMilli() - min.toEpochMilli()) / span;
      }
      double source = 0;
      int rank = r.source() == null ? -1 : sources.indexOf(r.source());
      if (rank >= 0) {
        source = 1.0 - (double) rank / sources.size();
      }
      double total = policy.completenessWeight() * completeness + policy.recencyWeight() * recency
          + policy.sourceWeight() * source;
      out[k] = new double[] {total, completeness, recency, source};
    }
    return out;
  }

  /** The index in {@code members} (sorted by id) of the master: highest score, first on ties. */
  int master(List<DedupeRecord> members) {
    if (members.size() == 1) {
      return 0;
    }
    double[][] s = scores(members);
    int best = 0;
    for (int k = 1; k < s.length; k++) {
      if (s[k][0] > s[best][0]) {
        best = k;
      }
    }
    return best;
  }

  String masterReason(List<DedupeRecord> members, int master) {
    double[][] s = scores(members);
    return String.format(Locale.ROOT,
        "score %.3f = %.1f x completeness %.2f + %.1f x recency %.2f + %.1f x source %.2f (highest of %d; ties go to the smallest id)",
        s[master][0], policy.completenessWeight(), s[master][1], policy.recencyWeight(), s[master][2],
        policy.sourceWeight(), s[master][3], members.size());
  }

  /** Merges a cluster's members (sorted by id) around the master. */
  MergedRecord merge(String clusterId, List<DedupeRecord> members, int master) {
    DedupeRecord m = members.get(master);
    if (members.size() == 1) {
      return new MergedRecord(clusterId, m.id(), m.fields(), new SelfProvenance(m));
    }
    List<DedupeRecord> ordered = new ArrayList<>(members.size());
    ordered.add(m);
    for (int k = 0; k < members.size(); k++) {
      if (k != master) {
        ordered.add(members.get(k));
      }
    }
    Set<String> fields = new LinkedHashSet<>();
    for (DedupeRecord r : ordered) {
      fields.addAll(r.fields().keySet());
    }
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, FieldProvenance> provenance = new LinkedHashMap<>();
    for (String field : fields) {
      List<FieldCandidate> candidates = new ArrayList<>();
      for (DedupeRecord r : ordered) {
        String v = r.get(field);
        if (v != null) {
          candidates.add(new FieldCandidate(r.id(), v, r.updatedAt(), r.source(), r == m));
        }
      }
      SurvivorshipRule rule = ruleFor(field);
      FieldCandidate chosen = candidates.size() == 1 ? candidates.get(0) : safeChoose(rule, field, candidates);
      List<FieldCandidate> others = new ArrayList<>(candidates.size() - 1);
      for (FieldCandidate c : candidates) {
        if (c != chosen) {
          others.add(c);
        }
      }
      values.put(field, chosen.value());
      provenance.put(field, new FieldProvenance(field, chosen.value(), chosen.recordId(), rule.name(), others));
    }
    return new MergedRecord(clusterId, m.id(), Collections.unmodifiableMap(values),
        Collections.unmodifiableMap(provenance));
  }

  private static FieldCandidate safeChoose(SurvivorshipRule rule, String field, List<FieldCandidate> candidates) {
    List<FieldCandidate> view = Collections.unmodifiableList(candidates);
    FieldCandidate chosen = rule.choose(field, view);
    for (FieldCandidate c : candidates) {
      if (c == chosen || c.equals(chosen)) {
        return c;
      }
    }
    throw new IllegalStateException("survivorship rule " + rule.name() + " for field '" + field
        + "' returned a value that is not one of the candidates: " + chosen);
  }

  /** Provenance of a one-member cluster, derived on demand: every field from the record itself. */
  private final class SelfProvenance extends AbstractMap<String, FieldProvenance> {
    private final DedupeRecord record;

    SelfProvenance(DedupeRecord record) {
      this.record = record;
    }

    @Override
    public @Nullable FieldProvenance get(Object key) {
      String v = record.fields().get(key);
      return v == null ? null : provenance((String) key, v);
    }

    @Override
    public boolean containsKey(Object key) {
      return record.fields().containsKey(key);
    }

    @Override
    public int size() {
      return record.fields().size();
    }

    private FieldProvenance provenance(String field, String value) {
      return new FieldProvenance(field, value, record.id(), ruleFor(field).name(), List.of());
    }

    @Override
    public Set<Entry<String, FieldProvenance>> entrySet() {
      return new AbstractSet<>() {
        @Override
        public Iterator<Entry<String, FieldProvenance>> iterator() {
          Iterator<Entry<String, String>> it = record.fields().entrySet().iterator();
          return new Iterator<>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Entry<String, FieldProvenance> next() {
              Entry<String, String> e = it.next();
              return Map.entry(e.getKey(), provenance(e.getKey(), Objects.requireNonNull(e.getValue())));
            }
          };
        }

        @Override
        public int size() {
          return record.fields().size();
        }
      };
    }
  }
}
