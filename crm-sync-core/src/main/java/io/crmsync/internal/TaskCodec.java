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
 * {"v":2,"run":"...","op":"UPSERT","records":[
 *   {"page":3,"type":"contact","fp":"q5Jc...","id":"42","modified":[1767225600,0],"deleted":true,"fields":{"email":"a@b.c"}}]}
 * }</pre>
 *
 * <p>Each record carries the page it was read in, since a batch may hold records of several pages.
 * Version 1 payloads, which named one page for the whole batch, are still read.
 *
 * <p>Written and read with Jackson's streaming API rather than data binding: it is on the engine's hot
 * path (every batch is encoded once and decoded once), and streaming is several times faster. The format
 * is versioned and independent of any user's Jackson settings.
 */
public final class TaskCodec {
  private static final int VERSION = 2;
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
   * @param op the operation
   * @param items the records, each with its fingerprint and page
   */
  public record Payload(String run, Op op, List<Item> items) {
    public Payload {
      Objects.requireNonNull(run, "run");
      Objects.requireNonNull(op, "op");
      items = List.copyOf(items);
    }

    /** The records of {@link #items()}, in order. */
    public List<CrmRecord> records() {
      List<CrmRecord> out = new ArrayList<>(items.size());
      for (Item i : items) {
        out.add(i.record());
      }
      return out;
    }
  }

  public String encode(Payload payload) {
    // Jackson's recycled buffers, as ObjectMapper.writeValueAsString uses: no StringBuffer, fewer copies
    SegmentedStringWriter out = new SegmentedStringWriter(JSON._getBufferRecycler());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      g.writeStringField("run", payload.run());
      g.writeStringField("op", payload.op().name());
      g.writeArrayFieldStart("records");
      for (Item item : payload.items()) {
        CrmRecord r = item.record();
        g.writeStartObject();
        g.writeNumberField("page", item.page());
        g.writeStringField("type", r.objectType());
        if (item.fingerprint() != null) {
          g.writeStringField("fp", item.fingerprint());
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
      long page = Item.UNTRACKED;
      Op op = null;
      List<Item> items = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "v" -> {
            if (p.getIntValue() != VERSION && p.getIntValue() != 1) {
              throw new IllegalArgumentException("unsupported task format version " + p.getText());
            }
          }
          case "run" -> run = p.getValueAsString();
          case "page" -> page = p.getLongValue(); // version 1: one page for the whole batch
          case "op" -> op = Op.valueOf(p.getValueAsString());
          case "records" -> items = readItems(p);
          default -> p.skipChildren();
        }
      }
      if (run == null || op == null || items == null) {
        throw new IllegalArgumentException("missing run, op or records");
      }
      if (page != Item.UNTRACKED) {
        List<Item> paged = new ArrayList<>(items.size());
        for (Item i : items) {
          paged.add(i.page() == Item.UNTRACKED ? new Item(i.record(), i.fingerprint(), page) : i);
        }
        items = paged;
      }
      return new Payload(run, op, items);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a crm-sync task payload: " + e.getMessage(), e);
    }
  }

  private static List<Item> readItems(JsonParser p) throws IOException {
    expect(p.currentToken(), JsonToken.START_ARRAY, "records");
    List<Item> out = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      long page = Item.UNTRACKED;
      String fingerprint = null;
      String type = null;
      String id = null;
      Instant modified = null;
      boolean deleted = false;
      Map<String, Object> fields = Map.of();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "page" -> page = p.getLongValue();
          case "type" -> type = p.getValueAsString();
          case "fp" -> fingerprint = p.getValueAsString();
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
      out.add(new Item(new CrmRecord(Objects.requireNonNull(type, "record type"), id, fields, modified, deleted),
          fingerprint, page));
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
