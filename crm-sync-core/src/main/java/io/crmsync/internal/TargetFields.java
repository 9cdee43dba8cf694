package io.crmsync.internal;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Which fields of a record the target takes: a CRM refuses a whole record for one field it does not
 * have, so by default a record is written with only the fields the target's {@code describe()} lists as
 * writable, and never with ids of another system (owners, lookups), which mean nothing in the target.
 * What is left out is counted per field, so a run can say it once instead of failing every record.
 */
final class TargetFields {
  /** Why a field is left out, for the log. */
  enum Reason {
    NOT_IN_TARGET("the target has no such field"),
    READ_ONLY("the target computes it"),
    FOREIGN_ID("an id of another system");

    final String text;

    Reason(String text) {
      this.text = text;
    }
  }

  private final @Nullable Map<String, FieldInfo> writable;
  private final Map<String, Reason> leftOut;
  private final Set<String> keep;
  private final Map<String, Reason> seen = new HashMap<>();

  private TargetFields(@Nullable Map<String, FieldInfo> writable, Map<String, Reason> leftOut, Set<String> keep) {
    this.writable = writable;
    this.leftOut = leftOut;
    this.keep = keep;
  }

  /** Writes every field as it is. */
  static TargetFields passThrough() {
    return new TargetFields(null, Map.of(), Set.of());
  }

  /**
   * The fields {@code target} takes for {@code objectType}, from what it {@code described}, and the
   * reference fields of the source, whose values are ids of the source's records. A target whose capabilities declare an open schema, or that describes no field at all,
   * takes any field but a foreign id.
   *
   * @throws CrmConfigurationException if the match key is a field the target does not have
   */
  static TargetFields of(List<FieldInfo> sourceFields, CRMAdapter target, List<FieldInfo> described,
      String objectType, MatchKey matchKey) {
    Map<String, Reason> leftOut = new HashMap<>();
    leftOut.put(Contact.Fields.OWNER_ID, Reason.FOREIGN_ID);
    for (FieldInfo f : sourceFields) {
      if (f.reference()) {
        leftOut.put(f.name(), Reason.FOREIGN_ID);
      }
    }
    Map<String, FieldInfo> writable = null;
    boolean closed = !described.isEmpty() && !target.capabilities().openSchema();
    for (FieldInfo f : described) {
      if (f.reference()) {
        leftOut.put(f.name(), Reason.FOREIGN_ID);
      } else if (f.readOnly()) {
        leftOut.putIfAbsent(f.name(), Reason.READ_ONLY);
      }
    }
    if (closed) {
      writable = new HashMap<>();
      for (FieldInfo f : described) {
        if (!f.readOnly() && !f.reference()) {
          writable.put(f.name(), f);
        }
      }
    }
    Set<String> keep = Set.of(matchKey.field());
    if (closed) {
      boolean known = false;
      for (FieldInfo f : described) {
        known |= f.name().equals(matchKey.field()) || f.nativeName().equals(matchKey.field());
      }
      if (!known) {
        Set<String> names = new TreeSet<>();
        for (FieldInfo f : described) {
          names.add(f.name());
        }
        throw new CrmConfigurationException(target.id(), "the match key '" + matchKey.field() + "' is not a field of "
            + target.id() + " " + objectType + "; its fields are " + abbreviate(names));
      }
    }
    leftOut.keySet().removeAll(keep);
    return new TargetFields(writable, leftOut, keep);
  }

  private static String abbreviate(Set<String> names) {
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (String name : names) {
      if (n++ == 40) {
        sb.append(", ... (").append(names.size() - 40).append(" more)");
        break;
      }
      sb.append(n == 1 ? "" : ", ").append(name);
    }
    return sb.toString();
  }

  /**
   * {@code record} with only the fields the target takes; the same instance when it takes them all.
   * Each field left out is counted in {@code tally}, unless it is null (a record re-cut, not read). Called
   * by the reader thread only.
   */
  CrmRecord filter(CrmRecord record, @Nullable Tally tally) {
    if (writable == null && leftOut.isEmpty()) {
      return record;
    }
    Map<String, Object> kept = null;
    for (Map.Entry<String, Object> e : record.fields().entrySet()) {
      String name = e.getKey();
      Reason reason = reasonToLeaveOut(name);
      if (reason == null) {
        if (kept != null) {
          kept.put(name, e.getValue());
        }
        continue;
      }
      if (kept == null) {
        kept = new LinkedHashMap<>();
        for (Map.Entry<String, Object> before : record.fields().entrySet()) {
          if (before.getKey().equals(name)) {
            break;
          }
          kept.put(before.getKey(), before.getValue());
        }
      }
      if (tally != null) {
        seen.putIfAbsent(name, reason);
        tally.fieldLeftOut(name);
      }
    }
    return kept == null ? record : record.withFields(kept);
  }

  private @Nullable Reason reasonToLeaveOut(String name) {
    Reason r = leftOut.get(name);
    if (r != null) {
      return r;
    }
    if (writable != null && !writable.containsKey(name) && !keep.contains(name)) {
      return Reason.NOT_IN_TARGET;
    }
    return null;
  }

  /** Why each field seen so far was left out. */
  Map<String, Reason> reasons() {
    return Map.copyOf(seen);
  }
}
