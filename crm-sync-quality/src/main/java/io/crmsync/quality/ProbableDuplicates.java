package io.crmsync.quality;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.spi.RequestLimiter;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.quality.internal.IngestJudge;
import io.crmsync.quality.internal.Normalize;
import io.crmsync.spi.DuplicateFinder;
import io.crmsync.spi.ProbableDuplicate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Finds probable duplicates of contacts a sync is about to create, for {@code
 * CRMSync.Builder#duplicatesOnIngest}: a contact of the target with the same normalised email, the same
 * phone in E.164, or the same family name with the same company or given-name initial is a candidate, and
 * each candidate is judged on email, phone, given and family name and company, normalised as {@link
 * DataQualityEngine} normalises them: names through its nickname table ({@code Bob} is {@code Robert}, an
 * initial {@code J.} may be {@code John}), companies without legal suffixes ({@code Acme Inc.} is {@code
 * Acme}), phones through libphonenumber with {@link Builder#defaultRegion} for numbers written without a
 * country code. Different given names, family names or generations (Jr. and Sr.) are never a match; the
 * best candidate scoring at least {@link Builder#threshold} is the probable duplicate.
 *
 * <pre>{@code
 * CRMSync sync = CRMSync.builder()
 *     .source(app).target(hubspot)
 *     .duplicatesOnIngest(ProbableDuplicates.builder().defaultRegion("US").build(), DuplicatePolicy.LINK)
 *     .build();
 * }</pre>
 *
 * <p><b>Cost.</b> A run's session reads the target's contacts once, when first asked (a run whose records
 * are all linked already reads nothing): {@code ceil(n / maxPageSize)} read requests for a target of
 * {@code n} contacts, within the sync's budget for the target, asking only for the compared fields and the
 * match key. Every question after that is answered from memory, without a request, whatever the number of
 * records; one lookup per record and field would cost up to three requests per record and could not find
 * a contact by name and company. Memory: about 300 bytes per target contact. The target is read as it was
 * when first asked: contacts this run creates are not candidates until the next run. A failed read fails
 * the batch that asked (the sync retries it); the next question reads again.
 *
 * <p>Immutable and thread-safe; one finder serves any number of syncs.
 */
public final class ProbableDuplicates implements DuplicateFinder {
  /** The most candidates judged per blocking key, so that a shared switchboard or surname stays cheap. */
  static final int MAX_CANDIDATES_PER_KEY = 100;

  private static final List<String> COMPARED = List.of(Contact.Fields.EMAIL, Contact.Fields.PHONE,
      Contact.Fields.FIRST_NAME, Contact.Fields.LAST_NAME, Contact.Fields.COMPANY);

  private final String defaultRegion;
  private final double threshold;
  private final IngestJudge judge;

  private ProbableDuplicates(Builder b) {
    this.defaultRegion = b.defaultRegion;
    this.threshold = b.threshold;
    this.judge = new IngestJudge(defaultRegion);
  }

  /** A finder with the defaults: region US, threshold 0.7. */
  public static ProbableDuplicates ofDefaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The region of phone numbers written without a country code. */
  public String defaultRegion() {
    return defaultRegion;
  }

  /** The score from which a candidate is a probable duplicate. */
  public double threshold() {
    return threshold;
  }

  @Override
  public DuplicateFinder.Session open(Scope scope) {
    return new TargetSession(Objects.requireNonNull(scope, "scope"));
  }

  @Override
  public String toString() {
    return "ProbableDuplicates{region=" + defaultRegion + ", threshold=" + threshold + "}";
  }

  /** What a session knows of the target: its contacts' compared fields, by blocking key and match-key value. */
  private record Index(List<CrmRecord> records, List<IngestJudge.Probe> probes, Map<String, List<Integer>> byKey,
      Set<String> matchKeyValues) {}

  private final class TargetSession implements DuplicateFinder.Session {
    private final Scope scope;
    private volatile @Nullable Index index;

    TargetSession(Scope scope) {
      this.scope = scope;
    }

    @Override
    public List<ProbableDuplicate> find(List<CrmRecord> records) {
      Index idx = index();
      MatchKey key = scope.matchKey();
      List<ProbableDuplicate> out = new ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        CrmRecord r = records.get(i);
        String own = key.normalize(r.fields().get(key.field()));
        if (own != null && idx.matchKeyValues().contains(own)) {
          continue; // the upsert writes it into the record with that key
        }
        IngestJudge.Probe probe = judge.probe(r);
        Set<Integer> candidates = new LinkedHashSet<>();
        for (String k : probe.blockingKeys()) {
          List<Integer> block = idx.byKey().get(k);
          if (block != null) {
            candidates.addAll(block);
          }
        }
        int best = -1;
        IngestJudge.Verdict bestVerdict = null;
        for (int c : candidates) {
          IngestJudge.Verdict v = judge.judge(probe, idx.probes().get(c));
          if (v.score() >= threshold && (bestVerdict == null || v.score() > bestVerdict.score())) {
            best = c;
            bestVerdict = v;
          }
        }
        if (bestVerdict != null) {
          out.add(new ProbableDuplicate(i, idx.records().get(best), bestVerdict.score(), bestVerdict.reason()));
        }
      }
      return out;
    }

    private Index index() {
      Index idx = index;
      if (idx != null) {
        return idx;
      }
      synchronized (this) {
        if (index == null) {
          index = read();
        }
        return Objects.requireNonNull(index);
      }
    }

    /** Reads every contact of the target, a page at a time within its budget. */
    private Index read() {
      CRMAdapter target = scope.target();
      List<String> fields = new ArrayList<>(COMPARED);
      if (!fields.contains(scope.matchKey().field())) {
        fields.add(scope.matchKey().field());
      }
      ReadRequest request = ReadRequest.of(scope.objectType())
          .withPageSize(target.capabilities().maxPageSize())
          .withFields(fields);
      List<CrmRecord> records = new ArrayList<>();
      List<IngestJudge.Probe> probes = new ArrayList<>();
      Map<String, List<Integer>> byKey = new HashMap<>();
      Set<String> keys = new HashSet<>();
      String cursor = null;
      do {
        Page page;
        RequestLimiter.Permit permit;
        try {
          permit = scope.limiter().acquire();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting to read " + target.id(), e);
        }
        try (permit) {
          page = target.read(request.withCursor(cursor));
        }
        for (CrmRecord r : page.records()) {
          if (r.deleted() || r.id() == null) {
            continue;
          }
          String k = scope.matchKey().normalize(r.fields().get(scope.matchKey().field()));
          if (k != null) {
            keys.add(k);
          }
          IngestJudge.Probe p = judge.probe(r);
          int at = records.size();
          records.add(r);
          probes.add(p);
          for (String b : p.blockingKeys()) {
            List<Integer> block = byKey.computeIfAbsent(b, x -> new ArrayList<>(1));
            if (block.size() < MAX_CANDIDATES_PER_KEY) {
              block.add(at);
            }
          }
        }
        cursor = page.nextCursor();
      } while (cursor != null);
      return new Index(records, probes, byKey, keys);
    }
  }

  /** Builds {@link ProbableDuplicates}. Not thread-safe. */
  public static final class Builder {
    private String defaultRegion = "US";
    private double threshold = 0.7;

    Builder() {}

    /**
     * The ISO 3166 region of phone numbers written without a country code; US by default.
     *
     * @throws IllegalArgumentException if libphonenumber does not know the region
     */
    public Builder defaultRegion(String defaultRegion) {
      Objects.requireNonNull(defaultRegion, "defaultRegion");
      if (!Normalize.isPhoneRegion(defaultRegion)) {
        throw new IllegalArgumentException("defaultRegion is not a region libphonenumber knows: " + defaultRegion);
      }
      this.defaultRegion = defaultRegion;
      return this;
    }

    /**
     * The score from which a candidate is a probable duplicate, in (0, 1]; 0.7 by default. Agreements
     * add: same email 0.55, same phone 0.35, same family name 0.3, same given name (or a nickname of it)
     * 0.2, an initial that fits 0.1, same company 0.25; a different email or phone takes 0.15 off, a
     * different company 0.1. So the same phone and name at the same company is a match, a namesake at
     * another company with another phone is not, and the same name at the same company with another email
     * and phone (0.45) is not by default.
     *
     * @throws IllegalArgumentException if not in (0, 1]
     */
    public Builder threshold(double threshold) {
      if (!(threshold > 0 && threshold <= 1)) {
        throw new IllegalArgumentException("threshold must be in (0, 1]: " + threshold);
      }
      this.threshold = threshold;
      return this;
    }

    public ProbableDuplicates build() {
      return new ProbableDuplicates(this);
    }
  }
}
