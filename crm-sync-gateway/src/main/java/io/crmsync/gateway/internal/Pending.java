package io.crmsync.gateway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What waits for one record in one target: the fields to write, each with the sequence number of the change
 * that set it, and the sequence number of the latest delete, plus the receipts it settles. Merging two is a
 * field-wise last-writer-wins by sequence number, so it does not depend on the order tasks are leased in:
 * {@link #merge} of any subset in any order gives the same record. Not thread-safe; immutable once queued.
 */
public final class Pending {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.USE_LONG_FOR_INTS);

  /** A receipt and the sequence number of its change. */
  public record Ref(String receipt, long seq) {}

  final String key;
  final String objectType;
  /** The target's field name and value of the match key, always written. */
  final String matchField;
  final Object matchValue;
  long deleteSeq;
  final Map<String, Object> fields = new LinkedHashMap<>();
  final Map<String, Long> fieldSeq = new LinkedHashMap<>();
  final List<Ref> refs = new ArrayList<>();

  Pending(String key, String objectType, String matchField, Object matchValue) {
    this.key = key;
    this.objectType = objectType;
    this.matchField = matchField;
    this.matchValue = matchValue;
  }

  /** One upsert of {@code fields}, or a delete when {@code fields} is null. */
  static Pending of(String key, String objectType, String matchField, Object matchValue, String receipt, long seq,
      @org.jspecify.annotations.Nullable Map<String, Object> fields) {
    Pending p = new Pending(key, objectType, matchField, matchValue);
    p.refs.add(new Ref(receipt, seq));
    if (fields == null) {
      p.deleteSeq = seq;
    } else {
      fields.forEach((f, v) -> {
        if (!f.equals(matchField)) {
          p.fields.put(f, v);
          p.fieldSeq.put(f, seq);
        }
      });
    }
    return p;
  }

  /** All of {@code parts} as one: the latest value of each field, nothing older than the latest delete. */
  static Pending merge(List<Pending> parts) {
    Pending first = parts.get(0);
    Pending m = new Pending(first.key, first.objectType, first.matchField, first.matchValue);
    for (Pending p : parts) {
      m.deleteSeq = Math.max(m.deleteSeq, p.deleteSeq);
      m.refs.addAll(p.refs);
      p.fields.forEach((f, v) -> {
        long s = p.fieldSeq.get(f);
        Long had = m.fieldSeq.get(f);
        if (had == null || s > had) {
          m.fields.put(f, v);
          m.fieldSeq.put(f, s);
        }
      });
    }
    m.dropOlderThan(m.deleteSeq);
    return m;
  }

  void dropOlderThan(long seq) {
    for (Iterator<Map.Entry<String, Long>> it = fieldSeq.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (e.getValue() <= seq) {
        fields.remove(e.getKey());
        it.remove();
      }
    }
  }

  long maxSeq() {
    long max = deleteSeq;
    for (long s : fieldSeq.values()) {
      max = Math.max(max, s);
    }
    return max;
  }

  String write() {
    ObjectNode n = JSON.createObjectNode();
    n.put("v", 1);
    n.put("key", key);
    n.put("type", objectType);
    n.put("matchField", matchField);
    n.set("matchValue", JSON.valueToTree(matchValue));
    n.put("deleteSeq", deleteSeq);
    n.set("fields", JSON.valueToTree(fields));
    n.set("fieldSeq", JSON.valueToTree(fieldSeq));
    ArrayNode r = n.putArray("receipts");
    refs.forEach(ref -> r.addArray().add(ref.receipt()).add(ref.seq()));
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a queued change", e);
    }
  }

  static Pending read(String payload) {
    try {
      JsonNode n = JSON.readTree(payload);
      Pending p = new Pending(n.get("key").asText(), n.get("type").asText(), n.get("matchField").asText(),
          JSON.treeToValue(n.get("matchValue"), Object.class));
      p.deleteSeq = n.get("deleteSeq").asLong();
      n.get("fields").properties().forEach(e -> {
        try {
          p.fields.put(e.getKey(), JSON.treeToValue(e.getValue(), Object.class));
        } catch (JsonProcessingException x) {
          throw new IllegalStateException(x);
        }
      });
      n.get("fieldSeq").properties().forEach(e -> p.fieldSeq.put(e.getKey(), e.getValue().asLong()));
      n.get("receipts").forEach(r -> p.refs.add(new Ref(r.get(0).asText(), r.get(1).asLong())));
      return p;
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException("not a queued change of this gateway: " + e.getClass().getSimpleName(), e);
    }
  }

  static String writeApplied(Map<String, Long> fieldSeq, long deleteSeq) {
    ObjectNode n = JSON.createObjectNode();
    n.put("d", deleteSeq);
    n.set("f", JSON.valueToTree(fieldSeq));
    return n.toString();
  }

  /** The applied sequence numbers of a record: field to seq, and {@code ""} for the latest delete. */
  static Map<String, Long> readApplied(String value) {
    Map<String, Long> out = new LinkedHashMap<>();
    try {
      JsonNode n = JSON.readTree(value);
      out.put("", n.path("d").asLong());
      n.path("f").properties().forEach(e -> out.put(e.getKey(), e.getValue().asLong()));
    } catch (JsonProcessingException e) {
      // an unreadable entry guards nothing: the write goes ahead, as it would for a new record
    }
    return out;
  }

  @Override
  public String toString() {
    return "Pending{" + objectType + ", fields=" + fields.keySet() + ", deleteSeq=" + deleteSeq + ", receipts="
        + refs.size() + "}";
  }
}
