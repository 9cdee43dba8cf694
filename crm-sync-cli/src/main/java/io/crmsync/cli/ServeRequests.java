package io.crmsync.cli;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.crmsync.gateway.Change;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /v1/changes} read into {@link Change}s, or refused with every problem named by its JSON
 * path ({@code changes[2].record.email}). No value from the body is ever quoted back: it may be personal data or a
 * secret pasted by mistake.
 *
 * <pre>
 * {"objectType": "contact", "op": "upsert", "record": {"email": "ada@example.com"}, "idempotencyKey": "signup-42"}
 * {"changes": [ {...}, {...} ]}
 * </pre>
 */
final class ServeRequests {
  static final Set<String> CHANGE_FIELDS = Set.of("objectType", "op", "record", "idempotencyKey");
  private static final Pattern OBJECT_TYPE = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:-]{0,127}");
  private static final int MAX_TEXT = 32_768;
  private static final int MAX_PROBLEMS = 50;

  /** A problem with the request, at a JSON path ({@code ""} for the whole body). */
  record Problem(String field, String code, String message) {}

  /** A body refused: every problem found (up to 50). */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final transient List<Problem> problems;
    final String code;

    Refused(String code, List<Problem> problems) {
      super(code + " " + problems.size() + " problem(s)", null, false, false);
      this.code = code;
      this.problems = List.copyOf(problems);
    }
  }

  /** A parsed body: its changes, and whether it was a batch (answered with a list of receipts). */
  record Parsed(List<Change> changes, boolean batch) {}

  private final ObjectMapper json;
  private final int maxBatch;

  ServeRequests(int maxBatch) {
    this.maxBatch = maxBatch;
    JsonFactory factory = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).maxNumberLength(64)
            .maxStringLength(1 << 20).build())
        .build();
    this.json = JsonMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .build();
  }

  /**
   * @throws Refused with code {@code MALFORMED_JSON}, {@code INVALID_REQUEST} or {@code BATCH_TOO_LARGE}
   */
  Parsed parse(byte[] body) throws Refused {
    JsonNode root;
    try (JsonParser p = json.createParser(body)) {
      root = json.readTree(p);
      if (root == null) {
        throw malformed("the body is empty: send a JSON object");
      }
    } catch (JsonParseException e) {
      // the parser's own message quotes the body; only where it went wrong is told
      throw malformed(duplicate(e) ? "a field appears twice in one object, at line " + e.getLocation().getLineNr()
          : "malformed JSON at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
    } catch (JsonProcessingException e) {
      throw malformed("malformed JSON"
          + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column "
              + e.getLocation().getColumnNr() : "") + ": " + kind(e));
    } catch (IOException e) {
      throw malformed("the body could not be read as JSON");
    }
    List<Problem> problems = new ArrayList<>();
    if (!root.isObject()) {
      throw invalid(List.of(new Problem("", "WRONG_TYPE", "the body must be a JSON object, not " + type(root))));
    }
    if (root.has("changes")) {
      for (Map.Entry<String, JsonNode> field : root.properties()) {
        String name = field.getKey();
        if (!name.equals("changes")) {
          problems.add(unknown("", name, "a batch holds only 'changes'"));
        }
      }
      JsonNode list = root.get("changes");
      if (!list.isArray()) {
        problems.add(new Problem("changes", "WRONG_TYPE", "must be an array of changes, not " + type(list)));
        throw invalid(problems);
      }
      if (list.isEmpty()) {
        problems.add(new Problem("changes", "REQUIRED", "must hold at least one change"));
      }
      if (list.size() > maxBatch) {
        throw new Refused("BATCH_TOO_LARGE", List.of(new Problem("changes", "BATCH_TOO_LARGE",
            "holds " + list.size() + " changes; at most " + maxBatch + " are accepted in one request")));
      }
      List<Change> changes = new ArrayList<>();
      for (int i = 0; i < list.size() && problems.size() < MAX_PROBLEMS; i++) {
        Change c = change(list.get(i), "changes[" + i + "]", problems);
        if (c != null) {
          changes.add(c);
        }
      }
      if (!problems.isEmpty()) {
        throw invalid(problems);
      }
      return new Parsed(changes, true);
    }
    Change c = change(root, "", problems);
    if (!problems.isEmpty() || c == null) {
      throw invalid(problems);
    }
    return new Parsed(List.of(c), false);
  }

  private static Change change(JsonNode node, String at, List<Problem> problems) {
    if (!node.isObject()) {
      problems.add(new Problem(at, "WRONG_TYPE", "must be an object, not " + type(node)));
      return null;
    }
    int before = problems.size();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String name = field.getKey();
      if (!CHANGE_FIELDS.contains(name)) {
        problems.add(unknown(at, name, "a change holds objectType, op, record and idempotencyKey"));
      }
    }
    String objectType = text(node, at, "objectType", true, problems);
    if (objectType != null && !OBJECT_TYPE.matcher(objectType).matches()) {
      problems.add(new Problem(path(at, "objectType"), "INVALID_VALUE",
          "must be an object type such as contact, company or deal (lower case, at most 64 characters)"));
    }
    String op = text(node, at, "op", true, problems);
    if (op != null && !op.equals("upsert") && !op.equals("delete")) {
      problems.add(new Problem(path(at, "op"), "INVALID_VALUE", "must be upsert or delete"));
    }
    String key = text(node, at, "idempotencyKey", false, problems);
    if (key != null && (key.isBlank() || key.length() > 255)) {
      problems.add(new Problem(path(at, "idempotencyKey"), "INVALID_VALUE", "must have 1 to 255 characters, not blank"));
    }
    Map<String, Object> fields = record(node.get("record"), path(at, "record"), problems);
    if (problems.size() > before || objectType == null || op == null || fields == null) {
      return null;
    }
    Change c = op.equals("upsert") ? Change.upsert(objectType, fields) : Change.delete(objectType, fields);
    return key == null ? c : c.idempotencyKey(key);
  }

  private static Map<String, Object> record(JsonNode node, String at, List<Problem> problems) {
    if (node == null) {
      problems.add(new Problem(at, "REQUIRED", "is required: the record's fields"));
      return null;
    }
    if (!node.isObject()) {
      problems.add(new Problem(at, "WRONG_TYPE", "must be an object of fields, not " + type(node)));
      return null;
    }
    if (node.isEmpty()) {
      problems.add(new Problem(at, "REQUIRED", "must hold at least one field"));
      return null;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      i++;
      if (!FIELD_NAME.matcher(e.getKey()).matches()) {
        problems.add(new Problem(at, "INVALID_FIELD_NAME", "field #" + i + " has a name that is not letters,"
            + " digits, '_', '.', ':' or '-' (at most 128, not starting with a digit)"));
        continue;
      }
      String fieldAt = at + "." + e.getKey();
      Object value = value(e.getValue(), fieldAt, problems);
      if (value != null) {
        fields.put(e.getKey(), value);
      }
    }
    return fields;
  }

  private static Object value(JsonNode v, String at, List<Problem> problems) {
    if (v.isTextual()) {
      if (v.textValue().length() > MAX_TEXT) {
        problems.add(new Problem(at, "TOO_LONG", "has more than " + MAX_TEXT + " characters"));
        return null;
      }
      return v.textValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? (Object) v.longValue() : new BigDecimal(v.bigIntegerValue());
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    if (v.isArray()) {
      List<Object> items = new ArrayList<>();
      for (int i = 0; i < v.size(); i++) {
        JsonNode item = v.get(i);
        if (!(item.isTextual() || item.isNumber() || item.isBoolean())) {
          problems.add(new Problem(at + "[" + i + "]", "WRONG_TYPE",
              "must be a string, number or boolean (a list holds the values of a multi-select field), not "
                  + type(item)));
          return null;
        }
        items.add(value(item, at + "[" + i + "]", problems));
      }
      return items;
    }
    problems.add(new Problem(at, "WRONG_TYPE", v.isNull()
        ? "must not be null: leave the field out to keep the target's value"
        : "must be a string, number, boolean or a list of those, not " + type(v)));
    return null;
  }

  private static String text(JsonNode node, String at, String name, boolean required, List<Problem> problems) {
    JsonNode v = node.get(name);
    if (v == null) {
      if (required) {
        problems.add(new Problem(path(at, name), "REQUIRED", "is required"));
      }
      return null;
    }
    if (!v.isTextual()) {
      problems.add(new Problem(path(at, name), "WRONG_TYPE", "must be a string, not " + type(v)));
      return null;
    }
    return v.textValue();
  }

  private static Problem unknown(String at, String name, String known) {
    boolean nameable = FIELD_NAME.matcher(name).matches() && name.length() <= 64;
    return new Problem(nameable ? path(at, name) : at, "UNKNOWN_FIELD",
        (nameable ? "is not a known field: " : "holds a field that is not known: ") + known);
  }

  private static String path(String at, String name) {
    return at.isEmpty() ? name : at + "." + name;
  }

  static String type(JsonNode v) {
    return switch (v.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL, MISSING -> "null";
      case BINARY -> "binary";
    };
  }

  private static boolean duplicate(JsonParseException e) {
    String m = e.getOriginalMessage();
    return m != null && m.startsWith("Duplicate field");
  }

  private static String kind(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m != null && m.contains("Trailing token")) {
      return "text after the JSON value";
    }
    if (m != null && (m.contains("nesting depth") || m.contains("length"))) {
      return "nested too deeply or a value too long";
    }
    return "not a single JSON value";
  }

  private static Refused malformed(String message) {
    return new Refused("MALFORMED_JSON", List.of(new Problem("", "MALFORMED_JSON", message)));
  }

  private static Refused invalid(List<Problem> problems) {
    return new Refused("INVALID_REQUEST", problems);
  }
}
