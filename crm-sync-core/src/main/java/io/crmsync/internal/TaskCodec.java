package io.crmsync.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import io.crmsync.model.CrmRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of the engine's tasks, so that durable queues can hold them:
 *
 * <pre>{@code
 * {"v":1,"run":"...","page":3,"op":"UPSERT","records":[
 *   {"type":"contact","fp":"q5Jc...","id":"42","modified":[1767225600,0],"deleted":true,"fields":{"email":"a@b.c"}}]}
 * }</pre>
 *
 * <p>Written and read with Jackson's streaming API rather than data binding: it is on the engine's hot
 * path (every batch is encoded once and decoded once), and streaming is several times faster. The format
 * is versioned and independent of any user's Jackson settings.
 */
public final class TaskCodec {
  private static final int VERSION = 1;
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  /** What a task asks for: write or delete these records. */
  public enum Op {
    UPSERT,
    DELETE
  }

  /**
   * One batch of work.
   *
   * @param run the run that enqueued it, to tell this run's work from work left by an earlier one
   * @param page the sequence number of the page it came from in that run
   * @param op the operation
   * @param records the records, as read from the source and transformed
   * @param fingerprints each record's content fingerprint, computed when it was read, in the same order;
   *     empty when not computed (deletes)
   */
  public record Payload(String run, long page, Op op, List<CrmRecord> records, List<String> fingerprints) {
    public Payload {
      Objects.requireNonNull(run, "run");
      Objects.requireNonNull(op, "op");
      records = List.copyOf(records);
      fingerprints = List.copyOf(fingerprints);
      if (!fingerprints.isEmpty() && fingerprints.size() != records.size()) {
        throw new IllegalArgumentException(fingerprints.size() + " fingerprints for " + records.size() + " records");
      }
    }
  }

  public String encode(Payload payload) {
    // Jackson's recycled buffers, as ObjectMapper.writeValueAsString uses: no StringBuffer, fewer copies
    SegmentedStringWriter out = new SegmentedStringWriter(JSON._getBufferRecycler());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      g.writeStringField("run", payload.run());
      g.writeNumberField("page", payload.page());
      g.writeStringField("op", payload.op().name());
      g.writeArrayFieldStart("records");
      List<CrmRecord> records = payload.records();
      for (int i = 0; i < records.size(); i++) {
        CrmRecord r = records.get(i);
        g.writeStartObject();
        g.writeStringField("type", r.objectType());
        if (!payload.fingerprints().isEmpty()) {
          g.writeStringField("fp", payload.fingerprints().get(i));
        }
        if (r.id() != null) {
          g.writeStringField("id", r.id());
        }
        if (r.modifiedAt() != null) {
          // epoch seconds and nanos: exact, and far cheaper to write and parse than ISO-8601 text
          g.writeArrayFieldStart("modified");
          g.writeNumber(r.modifiedAt().getEpochSecond());
          g.writeNumber(r.modifiedAt().getNano());
          g.writeEndArray();
        }
        if (r.deleted()) {
          g.writeBooleanField("deleted", true);
        }
        g.writeFieldName("fields");
        writeValue(g, r.fields());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      g.flush();
      return out.getAndClear();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode task", e);
    }
  }

  private static void writeValue(JsonGenerator g, Object v) throws IOException {
    if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof BigDecimal b) {
      g.writeNumber(b);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName((String) e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List<?> list) {
      g.writeStartArray();
      for (Object o : list) {
        writeValue(g, o);
      }
      g.writeEndArray();
    } else {
      throw new IllegalArgumentException("cannot encode a value of type " + v.getClass().getName());
    }
  }

  /**
   * @throws IllegalArgumentException if {@code json} is not a task payload, naming what was wrong
   */
  public Payload decode(String json) {
    try (JsonParser p = JSON.createParser(json)) {
      expect(p.nextToken(), JsonToken.START_OBJECT, "payload");
      String run = null;
      long page = 0;
      Op op = null;
      List<CrmRecord> records = null;
      List<String> fingerprints = new ArrayList<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "v" -> {
            if (p.getIntValue() != VERSION) {
              throw new IllegalArgumentException("unsupported task format version " + p.getText());
            }
          }
          case "run" -> run = p.getValueAsString();
          case "page" -> page = p.getLongValue();
          case "op" -> op = Op.valueOf(p.getValueAsString());
          case "records" -> records = readRecords(p, fingerprints);
          default -> p.skipChildren();
        }
      }
      if (run == null || op == null || records == null) {
        throw new IllegalArgumentException("missing run, op or records");
      }
      return new Payload(run, page, op, records, fingerprints.size() == records.size() ? fingerprints : List.of());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a crm-sync task payload: " + e.getMessage(), e);
    }
  }

  private static List<CrmRecord> readRecords(JsonParser p, List<String> fingerprints) throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY, "records");
    List<CrmRecord> out = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String type = null;
      String id = null;
      Instant modified = null;
      boolean deleted = false;
      Map<String, Object> fields = Map.of();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "type" -> type = p.getValueAsString();
          case "fp" -> fingerprints.add(p.getValueAsString());
          case "id" -> id = p.getValueAsString();
          case "modified" -> {
            expect(p.currentToken(), JsonToken.START_ARRAY, "modified");
            p.nextToken();
            long seconds = p.getLongValue();
            p.nextToken();
            long nanos = p.getLongValue();
            expect(p.nextToken(), JsonToken.END_ARRAY, "modified");
            modified = Instant.ofEpochSecond(seconds, nanos);
          }
          case "deleted" -> deleted = p.getBooleanValue();
          case "fields" -> fields = readObject(p);
          default -> p.skipChildren();
        }
      }
      out.add(new CrmRecord(Objects.requireNonNull(type, "record type"), id, fields, modified, deleted));
    }
    return out;
  }

  private static Map<String, Object> readObject(JsonParser p) throws IOException {
    expect(p.currentToken(), JsonToken.START_OBJECT, "object");
    Map<String, Object> m = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      m.put(name, readValue(p));
    }
    return m;
  }

  private static Object readValue(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    return switch (t) {
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
          ? new BigDecimal(p.getBigIntegerValue())
          : p.getLongValue();
      case VALUE_NUMBER_FLOAT -> p.getDecimalValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case START_OBJECT -> readObject(p);
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          list.add(readValue(p));
        }
        yield list;
      }
      default -> throw new IllegalArgumentException("unexpected " + t + " in a field value");
    };
  }

  private static void expect(@Nullable JsonToken actual, JsonToken expected, String what) {
    if (actual != expected) {
      throw new IllegalArgumentException("expected " + expected + " for " + what + " but found " + actual);
    }
  }
}
