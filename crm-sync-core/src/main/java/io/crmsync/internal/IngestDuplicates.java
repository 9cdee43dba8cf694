package io.crmsync.internal;

import io.crmsync.CRMSync;
import io.crmsync.DuplicateInReview;
import io.crmsync.DuplicatePolicy;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.CrmRecord;
import io.crmsync.spi.DuplicateFinder;
import io.crmsync.spi.ProbableDuplicate;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Duplicates on ingest: before a batch is written, its records that have no id link to the target are
 * shown to the {@link DuplicateFinder}, and each probable duplicate is linked, created anyway or held for
 * review as the {@link DuplicatePolicy} says.
 *
 * <p>A record linked to a probable duplicate is written by the target record's match-key value, which is
 * kept per source id (as a fingerprint under {@link #decisionScope}, saved with the link in the batch's
 * commit), so that later runs write it into the same record; a person's decision on a held record is kept
 * there too. Thread-safe.
 */
public final class IngestDuplicates {
  private static final Logger log = LoggerFactory.getLogger(IngestDuplicates.class);

  /** The error code of a record held for review. */
  static final String HELD_CODE = "PROBABLE_DUPLICATE";
  /** The error code of a held record a person decided on, waiting for the next run to write it. */
  static final String DECIDED_CODE = "DUPLICATE_DECIDED";
  private static final String LINK = "link:";
  private static final String CREATE = "create";

  /**
   * What to do with one batch's records. Items stay as they were read, so that a batch tried again, split
   * or dead-lettered carries the source's records; {@link #records} writes them as planned.
   */
  static final class Plan {
    /** The batch's records to write, in order: all but those held. */
    final List<Item> toWrite = new ArrayList<>();
    /** Of {@link #toWrite}, those written into a known target record: the match-key value they are written by. */
    final Map<Item, String> keyFor = new IdentityHashMap<>();
    /** Of {@link #toWrite}, those linked to a probable duplicate found now: the decision to save when they land. */
    final Map<Item, String> decisions = new IdentityHashMap<>();
    /** Of {@link #toWrite}, those found to be probable duplicates now (linked, or created anyway). */
    final Set<Item> found = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Of {@link #toWrite}, those the finder was asked about: records that may have been held before. */
    final Set<Item> asked = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Records held for review, with their letters. */
    final List<Item> held = new ArrayList<>();
    final List<DeadLetter> heldLetters = new ArrayList<>();

    /** The records to send for {@code batch} (items of {@link #toWrite}), each by the key planned for it. */
    List<CrmRecord> records(List<Item> batch, MatchKey key) {
      List<CrmRecord> out = new ArrayList<>(batch.size());
      for (Item i : batch) {
        String value = keyFor.get(i);
        out.add(value == null ? i.record() : i.record().with(key.field(), value));
      }
      return out;
    }
  }

  private final Run run;
  private final DuplicateFinder.Session session;
  private final DuplicatePolicy policy;
  private final String scope;

  IngestDuplicates(Run run, DuplicateFinder.Session session, DuplicatePolicy policy) {
    this.run = run;
    this.session = session;
    this.policy = policy;
    this.scope = decisionScope(run.targetScope);
  }

  /** Where a job keeps, per source id, how its record is written: into which target record, or created. */
  static String decisionScope(String targetScope) {
    return targetScope + "#duplicate";
  }

  /** The decision that writes a record into the target record whose match-key value is {@code keyValue}. */
  static String linkDecision(String keyValue) {
    return LINK + keyValue;
  }

  /** The decision that creates a record, whatever a finder says. */
  static String createDecision() {
    return CREATE;
  }

  void close() {
    try {
      session.close();
    } catch (RuntimeException e) {
      log.warn("Closing the duplicate finder's session of {} failed; ignoring it", run.jobId, e);
    }
  }

  /**
   * Plans {@code items}: records decided on earlier are written as decided; records linked to the target
   * already are written as they are; the finder is asked about the rest, at most once per batch.
   *
   * @throws RuntimeException whatever the state store or the finder threw: the caller handles it as a
   *     failed write of the batch
   */
  Plan plan(List<Item> items) {
    SyncStateStore state = run.state;
    String type = run.config.objectType();
    MatchKey key = run.config.matchKey();
    List<String> ids = new ArrayList<>(items.size());
    for (Item i : items) {
      if (i.record().id() != null) {
        ids.add(i.record().id());
      }
    }
    Map<String, String> decided = ids.isEmpty() ? Map.of() : state.fingerprints(scope, ids);
    List<String> undecided = new ArrayList<>(ids.size());
    for (String id : ids) {
      if (!decided.containsKey(id)) {
        undecided.add(id);
      }
    }
    Map<String, String> linked = undecided.isEmpty() ? Map.of()
        : state.linkedIds(type, run.source.id(), undecided, run.target.id());
    Plan plan = new Plan();
    List<Item> ask = new ArrayList<>();
    for (Item i : items) {
      String id = i.record().id();
      String d = id == null ? null : decided.get(id);
      if (d != null && d.startsWith(LINK)) {
        plan.keyFor.put(i, d.substring(LINK.length()));
      } else if (id != null && d == null && !linked.containsKey(id)) {
        ask.add(i);
        plan.asked.add(i);
      }
      // else: no id to link by, decided to create, or linked already: written by its key as always
    }
    List<ProbableDuplicate> found = ask.isEmpty() ? List.of() : session.find(BatchWriter.records(ask));
    ProbableDuplicate[] byIndex = new ProbableDuplicate[ask.size()];
    for (ProbableDuplicate p : found) {
      if (p.index() >= ask.size()) {
        throw new IllegalStateException("the duplicate finder answered about record " + p.index() + " of a batch of "
            + ask.size());
      }
      byIndex[p.index()] = p;
    }
    Instant now = run.time.now();
    Set<Item> heldItems = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int a = 0; a < ask.size(); a++) {
      Item i = ask.get(a);
      ProbableDuplicate p = byIndex[a];
      if (p == null) {
        continue;
      }
      String candidateKey = keyValue(p.target(), key);
      DuplicatePolicy action = policy;
      if (action == DuplicatePolicy.LINK && candidateKey == null) {
        action = DuplicatePolicy.REVIEW; // nothing to write it into the record by: a person decides
      }
      log.debug("Job {}: source record {} is probably {} record {} (score {}: {}); {}", run.jobId, i.record().id(),
          run.target.id(), p.targetId(), p.score(), p.reason(), action);
      run.listener.onProbableDuplicate(run.jobId, Objects.requireNonNull(i.record().id()), p.targetId(), p.score(),
          p.reason(), action);
      switch (action) {
        case LINK -> {
          plan.keyFor.put(i, Objects.requireNonNull(candidateKey));
          plan.decisions.put(i, linkDecision(candidateKey));
          plan.found.add(i);
        }
        case CREATE -> plan.found.add(i);
        case REVIEW -> {
          heldItems.add(i);
          plan.held.add(i);
          plan.heldLetters.add(heldLetter(i.record(), p, candidateKey == null ? " (it has no " + key.field()
              + " to write into it by)" : "", now));
        }
      }
    }
    for (Item i : items) {
      if (!heldItems.contains(i)) {
        plan.toWrite.add(i);
      }
    }
    return plan;
  }

  /** Adds what {@code item} (of {@code plan}), now written, leaves for later runs. */
  void written(Plan plan, Item item, StateUpdate.Builder update) {
    String decision = plan.decisions.get(item);
    String id = item.record().id();
    if (decision != null && id != null) {
      update.fingerprint(new Fingerprint(scope, id, decision));
    }
    if (id != null && plan.asked.contains(item)) {
      // a record held earlier, now written (changed, decided, or the policy changed): its review is over
      update.resolve(new StateUpdate.Resolved(run.jobId, DeadLetter.Operation.REVIEW, id));
    }
  }

  private static @Nullable String keyValue(CrmRecord r, MatchKey key) {
    Object v = r.fields().get(key.field());
    return v == null || v.toString().isBlank() ? null : v.toString();
  }

  private DeadLetter heldLetter(CrmRecord record, ProbableDuplicate p, String note, Instant now) {
    Map<String, Object> held = new LinkedHashMap<>();
    held.put("record", record.fields());
    held.put("candidateId", p.targetId());
    held.put("candidate", p.target().fields());
    held.put("score", p.score());
    held.put("reason", p.reason());
    return DeadLetter.builder(run.jobId, DeadLetter.Operation.REVIEW,
            new CrmRecord(record.objectType(), record.id(), held, record.modifiedAt(), false))
        .errorCode(HELD_CODE)
        .message(String.format(java.util.Locale.ROOT, "probably %s record %s (score %.2f: %s)%s", run.target.id(),
            p.targetId(), p.score(), p.reason(), note))
        .at(now)
        .build();
  }

  /** The held record of a review letter, as it would have been written; null if the letter is not one of ours. */
  @SuppressWarnings("unchecked")
  public static @Nullable DuplicateInReview fromLetter(DeadLetter d) {
    if (d.operation() != DeadLetter.Operation.REVIEW || !d.errorCode().equals(HELD_CODE) || d.recordId() == null) {
      return null;
    }
    Map<String, Object> f = d.record().fields();
    if (!(f.get("record") instanceof Map<?, ?> record) || f.get("candidateId") == null) {
      return null;
    }
    Object candidate = f.get("candidate");
    Object score = f.get("score");
    Object reason = f.get("reason");
    return new DuplicateInReview(Objects.requireNonNull(d.recordId()), (Map<String, Object>) record,
        f.get("candidateId").toString(), candidate instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(),
        score instanceof Number n ? n.doubleValue() : 0, reason == null ? "" : reason.toString(), d.at());
  }

  /**
   * The state update that settles a held record as {@code decision}: the decision kept for its id, and
   * its review turned into a transient dead letter of its record, which the next run (or a replay of the
   * job's dead letters) writes as decided.
   *
   * @throws IllegalArgumentException if {@code decision} is {@link DuplicatePolicy#REVIEW}, or is LINK and
   *     the target record has no value for the match key
   */
  public static StateUpdate decide(CRMSync.Config config, DeadLetter letter, DuplicateInReview held,
      DuplicatePolicy decision) {
    MatchKey key = config.matchKey();
    String targetScope = Run.targetScope(config);
    Instant now = config.timeSource().now();
    String value = switch (decision) {
      case LINK -> {
        Object v = held.candidate().get(key.field());
        if (v == null || v.toString().isBlank()) {
          throw new IllegalArgumentException("the target record " + held.candidateId() + " has no " + key.field()
              + " to write the record into it by");
        }
        yield linkDecision(v.toString());
      }
      case CREATE -> createDecision();
      case REVIEW -> throw new IllegalArgumentException("a decision is LINK or CREATE, not REVIEW");
    };
    CrmRecord record = new CrmRecord(letter.record().objectType(), held.sourceId(), held.record(),
        letter.record().modifiedAt(), false);
    return StateUpdate.builder()
        .fingerprint(new Fingerprint(decisionScope(targetScope), held.sourceId(), value))
        .deadLetter(DeadLetter.builder(letter.jobId(), DeadLetter.Operation.UPSERT, record)
            .errorCode(DECIDED_CODE)
            .message("held as a probable duplicate of record " + held.candidateId() + "; decided: "
                + decision.name().toLowerCase(java.util.Locale.ROOT) + ", to be written by the next run")
            .retryable(true)
            .attempts(0)
            .at(now)
            .build())
        .resolve(new StateUpdate.Resolved(letter.jobId(), DeadLetter.Operation.REVIEW, held.sourceId()))
        .build();
  }
}
