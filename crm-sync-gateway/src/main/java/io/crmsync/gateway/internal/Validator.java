package io.crmsync.gateway.internal;

import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.TimeSource;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.adapter.MatchKey;
import io.crmsync.fieldmapping.FieldMapping;
import io.crmsync.fieldmapping.FieldRule;
import io.crmsync.fieldmapping.ValueKind;
import io.crmsync.gateway.Change;
import io.crmsync.gateway.Target;
import io.crmsync.mapping.MappingProblem;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.CrmRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Checks a change against one target before anything is queued: maps it with the target's mapping, then holds
 * the mapped record against the fields the target describes (cached per object type). Thread-safe.
 */
final class Validator {
  private static final Logger log = LoggerFactory.getLogger(Validator.class);
  static final String UNKNOWN_FIELD = "UNKNOWN_FIELD";
  static final String READ_ONLY = "READ_ONLY";
  static final String REQUIRED = "REQUIRED";
  static final String WRONG_TYPE = "WRONG_TYPE";
  static final String INVALID_FORMAT = "INVALID_FORMAT";
  static final String TOO_LONG = "TOO_LONG";
  static final String NOT_IN_PICKLIST = "NOT_IN_PICKLIST";
  static final String MISSING_MATCH_KEY = "MISSING_MATCH_KEY";

  // deliberately loose: one @, something either side, a dot in the domain, no spaces
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  private final Target target;
  private final Map<String, Map<String, FieldInfo>> described = new ConcurrentHashMap<>();

  private final TimeSource time;
  private volatile @Nullable Instant describeRetryAt;

  Validator(Target target, TimeSource time) {
    this.target = target;
    this.time = time;
  }

  /** The change mapped for this target, or null after adding every problem to {@code out}. */
  @Nullable Pending check(Change change, String prefix, String receipt, long seq, List<FieldError> out) {
    FieldMapping mapping = target.mapping(change.objectType());
    Map<String, FieldInfo> fields = fields(mapping);
    CrmRecord mapped;
    try {
      mapped = mapping.map(change.record(), RecordMapper.Direction.TO_TARGET);
    } catch (CrmRequestException e) {
      for (FieldError fe : e.fieldErrors()) {
        out.add(new FieldError(prefix + fe.field(), fe.code(), target.name() + ": " + fe.message()));
      }
      return null;
    }
    int before = out.size();
    MatchKey key = target.matchKey(change.objectType());
    Object matchValue = mapped.fields().get(key.field());
    String normalized = key.normalize(matchValue);
    if (normalized == null) {
      out.add(new FieldError(prefix + hostName(change, key.field()), MISSING_MATCH_KEY, target.name()
          + " matches " + mapped.objectType() + " records on " + key.field() + ", and this change sets none"));
    }
    if (change.operation() == Change.Operation.UPSERT && !fields.isEmpty()) {
      mapped.fields().forEach((name, value) -> checkField(change, prefix, fields.get(name), name, value, out));
      for (FieldInfo f : fields.values()) {
        if (f.required() && f.writable() && !mapped.fields().containsKey(f.name())) {
          out.add(new FieldError(prefix + hostName(change, f.name()), REQUIRED, target.name() + " requires "
              + mapped.objectType() + "." + f.name() + ", and this change sets no value for it"));
        }
      }
    }
    if (out.size() > before || normalized == null || matchValue == null) {
      return null;
    }
    String recordKey = mapped.objectType() + "|" + key.field() + "|" + normalized;
    return Pending.of(recordKey, mapped.objectType(), key.field(), matchValue, receipt, seq,
        change.operation() == Change.Operation.DELETE ? null : mapped.fields());
  }

  private void checkField(Change change, String prefix, @Nullable FieldInfo f, String name, Object value,
      List<FieldError> out) {
    String at = prefix + hostName(change, name);
    String where = target.name() + " " + change.objectType() + "." + name;
    if (f == null) {
      out.add(new FieldError(at, UNKNOWN_FIELD, where + " is not a field the target describes"));
      return;
    }
    if (!f.writable()) {
      out.add(new FieldError(at, READ_ONLY, where + " is read-only in the target"));
      return;
    }
    ValueKind kind = ValueKind.of(f);
    String problem = switch (kind) {
      case NUMBER -> value instanceof Number || (value instanceof String s && isNumber(s)) ? null
          : "must be a number";
      case BOOLEAN -> value instanceof Boolean || "true".equals(value) || "false".equals(value) ? null
          : "must be true or false";
      case DATE -> value instanceof String s && isDate(s) ? null : "must be a date (yyyy-MM-dd)";
      case DATETIME -> value instanceof String s && (isDateTime(s) || isDate(s)) ? null
          : "must be a date-time (ISO 8601 with an offset, such as 2026-01-31T09:30:00Z)";
      case PICKLIST -> value instanceof String s ? picklist(f, List.of(s)) : "must be text, one of the picklist's values";
      case MULTI_PICKLIST -> value instanceof String s ? picklist(f, List.of(s.split(";")))
          : value instanceof Collection<?> c && c.stream().allMatch(String.class::isInstance)
              ? picklist(f, c.stream().map(String.class::cast).toList()) : "must be text or a list of texts";
      case REFERENCE -> value instanceof String ? null : "must be an id, as text";
      case TEXT -> value instanceof String || value instanceof Number || value instanceof Boolean ? null
          : "must be text";
      case ANY -> null;
    };
    if (problem != null) {
      String code = problem.startsWith("not one") ? NOT_IN_PICKLIST
          : value instanceof String && (kind == ValueKind.NUMBER || kind == ValueKind.BOOLEAN
              || kind == ValueKind.DATE || kind == ValueKind.DATETIME) ? INVALID_FORMAT : WRONG_TYPE;
      out.add(new FieldError(at, code, where + " (" + f.type() + ") " + problem));
      return;
    }
    if ("email".equalsIgnoreCase(f.type()) && value instanceof String s && !EMAIL.matcher(s).matches()) {
      out.add(new FieldError(at, INVALID_FORMAT, where + " must be an email address"));
    }
    if (f.maxLength() > 0 && value instanceof String s && s.length() > f.maxLength()) {
      out.add(new FieldError(at, TOO_LONG, where + " takes at most " + f.maxLength() + " characters, and has "
          + s.length()));
    }
  }

  private static @Nullable String picklist(FieldInfo f, List<String> values) {
    if (f.picklistValues().isEmpty()) {
      return null;
    }
    long bad = values.stream().filter(v -> !f.picklistValues().contains(v)).count();
    return bad == 0 ? null : "not one of the picklist's " + f.picklistValues().size() + " values";
  }

  private static boolean isNumber(String s) {
    try {
      new BigDecimal(s.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean isDate(String s) {
    try {
      LocalDate.parse(s);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static boolean isDateTime(String s) {
    try {
      OffsetDateTime.parse(s);
      return true;
    } catch (DateTimeParseException e) {
      try {
        Instant.parse(s);
        return true;
      } catch (DateTimeParseException e2) {
        return false;
      }
    }
  }

  /**
   * The host's name for a target field: the source field of the mapping rule that writes it, else the field
   * itself (fields that pass through keep their names).
   */
  private String hostName(Change change, String targetField) {
    for (FieldRule r : target.mapping(change.objectType()).rules()) {
      if (r.targetFields().contains(targetField) && r.sourceFields().size() == 1) {
        return r.sourceFields().get(0);
      }
    }
    return targetField;
  }

  /**
   * The target's fields of the mapping's target type; the mapping is checked against them on first use. A target
   * that cannot describe them now (down, out of budget) is checked by its mapping alone until it can, at most
   * once a minute: its being down must not stop submissions to the others, and it refuses a bad record itself.
   */
  private Map<String, FieldInfo> fields(FieldMapping mapping) {
    Map<String, FieldInfo> known = described.get(mapping.targetObjectType());
    if (known != null) {
      return known;
    }
    Instant now = time.now();
    Instant retry = describeRetryAt;
    if (retry != null && now.isBefore(retry)) {
      return Map.of();
    }
    List<FieldInfo> list;
    try {
      list = target.adapter().describe(mapping.targetObjectType());
    } catch (CrmSyncException e) {
      if (!e.isRetryable()) {
        throw e;
      }
      describeRetryAt = now.plus(Duration.ofMinutes(1));
      log.warn("target {} cannot describe {} now; its changes are checked by the mapping alone for a minute: {}",
          target.name(), mapping.targetObjectType(), e.getMessage());
      return Map.of();
    }
    describeRetryAt = null;
    List<MappingProblem> problems = mapping.check(List.of(), list);
    if (!problems.isEmpty()) {
      throw new CrmConfigurationException("gateway", "the mapping of " + mapping.sourceObjectType() + " for target "
          + target.name() + " has " + problems.size() + " problem(s); the first: " + problems.get(0));
    }
    Map<String, FieldInfo> byName = new LinkedHashMap<>();
    list.forEach(f -> byName.put(f.name(), f));
    Map<String, FieldInfo> out = Map.copyOf(byName);
    described.put(mapping.targetObjectType(), out);
    return out;
  }
}
