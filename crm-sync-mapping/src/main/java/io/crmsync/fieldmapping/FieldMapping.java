package io.crmsync.fieldmapping;

import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRequestException;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.FieldInfo;
import io.crmsync.mapping.MappingProblem;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.model.CrmRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How the fields of an object of one system become the fields of an object of another, and back: renames,
 * transforms ({@link Transforms}: trim, case, names split and joined, emails, phones in E.164, dates, numbers,
 * picklist maps, constants and defaults, concatenation, and custom ones by name), a direction per rule for
 * two-way syncs, and what becomes of the fields no rule names ({@link Unmapped}).
 *
 * <p>Built in code:
 *
 * <pre>{@code
 * FieldMapping mapping = FieldMapping.builder("contact", "contact")
 *     .unmapped(Unmapped.PASS_THROUGH)
 *     .field("email").to("email").transform(Transforms.email())
 *     .field("phone").to("phone").transform(Transforms.phone("GB"))
 *     .field("name").to("firstName", "lastName").transform(Transforms.splitName())
 *     .field("lifecyclestage").to("Stage__c").transform(Transforms.map(Map.of("lead", "Lead"), "Other"))
 *     .constant("crm-sync").to("LeadSource").direction(RuleDirection.TO_TARGET)
 *     .build();
 * CRMSync.builder().source(hubspot).target(salesforce).mapping(mapping)...
 * }</pre>
 *
 * or loaded from a YAML or JSON file ({@link #load(Path)}), whose problems name the file and line of the
 * rule at fault. {@link #defaults(String)} is the mapping a sync uses when it is given none: the built-in
 * adapters read and write standard fields under canonical names, so it passes every field through, custom
 * fields included; a file that says {@code extends: defaults} starts from it and overrides it rule by rule.
 *
 * <p>{@link #check} holds the mapping against both adapters' fields before a record moves, and reports every
 * problem at once: an unknown field, a type that cannot convert ({@link ValueKind}), a read-only, computed or
 * reference target field, a required target field nothing writes, a picklist value the target does not allow,
 * a value longer than the target takes, and the problems of the mapping itself (an unknown transform, a
 * two-way rule whose transform cannot be undone). {@link #map} applies it to a record; a transform that
 * fails on one record throws a {@link CrmRequestException} naming the field, which dead-letters that record
 * alone.
 *
 * <p>Immutable and thread-safe.
 */
public final class FieldMapping implements RecordMapper {
  /** The error code of a field a transform refused, in {@link FieldError#code()}. */
  public static final String TRANSFORM_FAILED = "TRANSFORM_FAILED";

  private final String name;
  private final String sourceObjectType;
  private final String targetObjectType;
  private final Unmapped unmapped;
  private final Set<String> dropped;
  private final List<Rule> rules;
  private final List<MappingProblem> problems;
  /** Problems of the file itself (unknown keys, transforms, options), kept apart for {@link #inverse()}. */
  private final List<MappingProblem> fileProblems;
  private final String rulesLocation;
  private final List<Flow> toTarget = new ArrayList<>();
  private final List<Flow> toSource = new ArrayList<>();
  /** Fields any rule names, per side: never passed through. */
  private final Set<String> sourceNamed = new LinkedHashSet<>();
  private final Set<String> targetNamed = new LinkedHashSet<>();

  FieldMapping(String name, String sourceObjectType, String targetObjectType, Unmapped unmapped, Set<String> dropped,
      List<Rule> rules, List<MappingProblem> parseProblems, String rulesLocation) {
    this.name = name;
    this.sourceObjectType = requireText(sourceObjectType, "sourceObjectType");
    this.targetObjectType = requireText(targetObjectType, "targetObjectType");
    this.unmapped = Objects.requireNonNull(unmapped, "unmapped");
    this.dropped = Collections.unmodifiableSet(new LinkedHashSet<>(dropped));
    this.rules = List.copyOf(rules);
    this.rulesLocation = rulesLocation;
    this.fileProblems = List.copyOf(parseProblems);
    List<MappingProblem> found = new ArrayList<>(parseProblems);
    Map<String, Rule> writers = new HashMap<>();
    for (Rule r : this.rules) {
      found.addAll(r.problems);
      sourceNamed.addAll(r.sourceFields);
      targetNamed.addAll(r.targetFields);
      if (r.toTarget != null) {
        toTarget.add(r.toTarget);
      }
      if (r.toSource != null) {
        toSource.add(r.toSource);
      }
      for (String w : r.written()) {
        Rule other = writers.putIfAbsent(w, r);
        if (other != null) {
          String field = w.substring(w.indexOf(':') + 1);
          found.add(r.problem(field, "the rule at " + other.location + " writes " + w.substring(0, w.indexOf(':'))
              + " field '" + field + "' too: keep one of them"));
        }
      }
    }
    this.problems = List.copyOf(found);
  }

  private static String requireText(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  // ---- making one ----------------------------------------------------------------------------------

  /**
   * A builder for a mapping from objects of {@code sourceObjectType} to objects of {@code targetObjectType}
   * ({@code contact}, {@code company}, or a CRM's own object such as {@code Invoice__c}). It drops the
   * fields no rule names unless told otherwise ({@link Builder#unmapped}).
   *
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(String sourceObjectType, String targetObjectType) {
    return new Builder(sourceObjectType, targetObjectType);
  }

  /**
   * The mapping a sync of {@code objectType} uses when it is given none: every field passes through under
   * its name. The built-in adapters read and write the standard fields of contacts ({@link
   * io.crmsync.model.Contact.Fields}) and companies under canonical names, so these, and the custom fields
   * named alike on both sides, travel; fields the target does not have or cannot write are left out by the
   * engine, which says which.
   *
   * @throws NullPointerException if {@code objectType} is null
   */
  public static FieldMapping defaults(String objectType) {
    return new FieldMapping("defaults", objectType, objectType, Unmapped.PASS_THROUGH, Set.of(), List.of(), List.of(),
        "defaults");
  }

  /**
   * The mapping in the YAML or JSON file at {@code path} (JSON when its name ends in {@code .json}), with the
   * built-in transforms only.
   *
   * @throws CrmConfigurationException if the file cannot be read or is not YAML (JSON) at all; problems
   *     within a well-formed file are kept, and reported by {@link #check} and {@link #problems()}
   */
  public static FieldMapping load(Path path) {
    return load(path, TransformRegistry.empty());
  }

  /**
   * The mapping in the YAML or JSON file at {@code path}, whose custom transforms are looked up in {@code
   * transforms}.
   *
   * @throws CrmConfigurationException if the file cannot be read or is not YAML (JSON) at all
   */
  public static FieldMapping load(Path path, TransformRegistry transforms) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(transforms, "transforms");
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new CrmConfigurationException("mapping", "cannot read the mapping file " + path + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
    Path file = path.getFileName();
    return parse(text, file == null ? path.toString() : file.toString(), transforms);
  }

  /**
   * The mapping in {@code text}, YAML or JSON, called {@code name} in problems ({@code contacts.yaml:12}).
   *
   * @throws CrmConfigurationException if the text is not YAML (JSON) at all
   */
  public static FieldMapping parse(String text, String name) {
    return parse(text, name, TransformRegistry.empty());
  }

  /**
   * The mapping in {@code text}, YAML or JSON, called {@code name} in problems, whose custom transforms are
   * looked up in {@code transforms}.
   *
   * @throws CrmConfigurationException if the text is not YAML (JSON) at all
   */
  public static FieldMapping parse(String text, String name, TransformRegistry transforms) {
    return MappingFile.parse(Objects.requireNonNull(text, "text"), Objects.requireNonNull(name, "name"),
        Objects.requireNonNull(transforms, "transforms"));
  }

  /** A builder holding this mapping's rules, which rules added to it override (by the fields they write). */
  public Builder toBuilder() {
    Builder b = new Builder(sourceObjectType, targetObjectType);
    b.name = name;
    b.unmapped = unmapped;
    b.dropped.addAll(dropped);
    for (Rule r : rules) {
      b.inherited.add(r.asInherited());
    }
    return b;
  }

  /** Rules of {@code base} that none of {@code own} overrides (by a field they write), then {@code own}. */
  static List<Rule> extend(List<Rule> base, List<Rule> own) {
    Set<String> overridden = new LinkedHashSet<>();
    own.forEach(r -> overridden.addAll(r.written()));
    List<Rule> out = new ArrayList<>();
    for (Rule r : base) {
      if (Collections.disjoint(r.written(), overridden)) {
        out.add(r.asInherited());
      }
    }
    out.addAll(own);
    return out;
  }

  // ---- what it is ----------------------------------------------------------------------------------

  /** What problems name it by: its file, or what the builder was told. */
  public String name() {
    return name;
  }

  public String sourceObjectType() {
    return sourceObjectType;
  }

  public String targetObjectType() {
    return targetObjectType;
  }

  public Unmapped unmapped() {
    return unmapped;
  }

  /** The fields never passed through. */
  public Set<String> dropped() {
    return dropped;
  }

  /** Its rules, inherited ones first. */
  public List<FieldRule> rules() {
    List<FieldRule> out = new ArrayList<>(rules.size());
    rules.forEach(r -> out.add(r.view()));
    return Collections.unmodifiableList(out);
  }

  /**
   * The problems of the mapping itself, found without any adapter's fields: an unknown key or transform in
   * a file, a transform given the wrong number of fields, a two-way rule whose transform cannot be undone,
   * two rules writing one field. {@link #check} reports them with the others; a mapping that has any maps
   * no record.
   */
  public List<MappingProblem> problems() {
    return problems;
  }

  // ---- checking ------------------------------------------------------------------------------------

  /**
   * Every problem of this mapping for a sync of {@code objectType} from a source whose fields are {@code
   * sourceFields} to a target whose fields are {@code targetFields} (each adapter's {@code describe()}), in
   * the order of the rules: {@link #problems()}, then the rules that write the target checked against both
   * sides' fields, then the target's required fields. A side that describes no field is not checked
   * (the engine takes any field of such a side). Rules that only write the source are checked by {@link
   * #inverse()}'s {@code check}, as the sync the other way does.
   */
  @Override
  public List<MappingProblem> check(String objectType, List<FieldInfo> sourceFields, List<FieldInfo> targetFields) {
    Objects.requireNonNull(objectType, "objectType");
    List<MappingProblem> out = new ArrayList<>();
    if (!objectType.equals(sourceObjectType) || !sourceObjectType.equals(targetObjectType)) {
      out.add(new MappingProblem(name, objectType, sourceObjectType.equals(targetObjectType)
          ? "this mapping is for " + sourceObjectType + ", and the sync moves " + objectType
              + ": use a mapping for " + objectType + " (source-object / target-object in the file)"
          : "this mapping is from " + sourceObjectType + " to " + targetObjectType + ", and a sync moves one object "
              + "type on both sides (" + objectType + "): map objects of different types by calling map() yourself, "
              + "or give both sides one type"));
    }
    out.addAll(check(sourceFields, targetFields));
    return out;
  }

  /**
   * Every problem of this mapping against {@code sourceFields} and {@code targetFields}, as {@link
   * #check(String, List, List)} finds them but for the object types, which it takes to be the mapping's own.
   *
   * @throws NullPointerException if an argument is null
   */
  public List<MappingProblem> check(List<FieldInfo> sourceFields, List<FieldInfo> targetFields) {
    List<MappingProblem> out = new ArrayList<>(problems);
    // a rule with a problem of its own has no flow, so it is not checked again here
    out.addAll(new Checker(this, sourceFields, targetFields).problems());
    return out;
  }

  List<Rule> ruleList() {
    return rules;
  }

  List<Flow> flowsToTarget() {
    return toTarget;
  }

  boolean passesThrough(String sourceField) {
    return unmapped == Unmapped.PASS_THROUGH && !dropped.contains(sourceField) && !sourceNamed.contains(sourceField);
  }

  String rulesLocation() {
    return rulesLocation;
  }

  // ---- mapping -------------------------------------------------------------------------------------

  /**
   * {@code record} as it is written to the other side: the fields its rules write in that direction, and,
   * when fields pass through, the fields no rule names on its side (but those {@link #dropped()}). Its id,
   * modification time and deletion flag are kept; its object type becomes the other side's.
   *
   * @throws CrmRequestException if a transform refuses a value of this record, naming every such field in
   *     its field errors ({@link #TRANSFORM_FAILED}) without quoting the values
   * @throws CrmConfigurationException if the mapping has {@link #problems()}
   */
  @Override
  public CrmRecord map(CrmRecord record, Direction direction) {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(direction, "direction");
    if (!problems.isEmpty()) {
      throw new CrmConfigurationException("mapping", "mapping '" + name + "' has " + problems.size()
          + " problem(s) and maps no record; the first: " + problems.get(0));
    }
    boolean forward = direction == Direction.TO_TARGET;
    Set<String> named = forward ? sourceNamed : targetNamed;
    Map<String, Object> out = new LinkedHashMap<>();
    if (unmapped == Unmapped.PASS_THROUGH) {
      Set<String> written = forward ? targetNamed : sourceNamed;
      record.fields().forEach((k, v) -> {
        if (!named.contains(k) && !written.contains(k) && !dropped.contains(k)) {
          out.put(k, v);
        }
      });
    }
    List<FieldError> errors = null;
    for (Flow f : forward ? toTarget : toSource) {
      List<@Nullable Object> values;
      try {
        values = f.run(record.fields());
      } catch (RuntimeException e) {
        if (errors == null) {
          errors = new ArrayList<>();
        }
        errors.add(failure(f, e));
        continue;
      }
      for (int i = 0; i < values.size(); i++) {
        Object v = values.get(i);
        if (v != null) {
          out.put(f.outputs.get(i), v);
        }
      }
    }
    if (errors != null) {
      StringBuilder sb = new StringBuilder("mapping '").append(name).append("' refused ").append(errors.size())
          .append(" field(s) of this record: ");
      for (int i = 0; i < errors.size(); i++) {
        FieldError e = errors.get(i);
        sb.append(i == 0 ? "" : "; ").append(e.field()).append(": ").append(e.message());
      }
      throw new CrmRequestException("mapping", 0, null, sb.toString(), errors, null);
    }
    return new CrmRecord(forward ? targetObjectType : sourceObjectType, record.id(), out, record.modifiedAt(),
        record.deleted());
  }

  private static FieldError failure(Flow f, RuntimeException e) {
    String field = f.inputs.isEmpty() ? f.outputs.get(0) : f.inputs.get(0);
    String reason = e instanceof IllegalArgumentException && e.getMessage() != null ? e.getMessage()
        : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    String via = f.chain.isEmpty() ? "" : f.chain.get(0).name() + (f.chain.size() > 1 ? ", ..." : "") + "; ";
    return new FieldError(field, TRANSFORM_FAILED, reason + " (" + via + f.rule.location + ", " + f.describe() + ")");
  }

  /**
   * This mapping the other way round, as a {@link FieldMapping}: the target's objects and fields become the
   * source's, each rule's direction flips, and its two ways swap.
   */
  @Override
  public FieldMapping inverse() {
    List<Rule> flipped = new ArrayList<>(rules.size());
    rules.forEach(r -> flipped.add(r.flip()));
    return new FieldMapping(name, targetObjectType, sourceObjectType, unmapped, dropped, flipped, fileProblems,
        rulesLocation);
  }

  @Override
  public String toString() {
    return "FieldMapping{" + name + ": " + sourceObjectType + " -> " + targetObjectType + ", " + rules.size()
        + " rule(s), unmapped " + unmapped.fileName() + (problems.isEmpty() ? "" : ", " + problems.size()
        + " problem(s)") + "}";
  }

  // ---- building ------------------------------------------------------------------------------------

  /** Builds a {@link FieldMapping} in code. Not thread-safe. */
  public static final class Builder {
    private final String sourceObjectType;
    private final String targetObjectType;
    private String name = "mapping";
    private Unmapped unmapped = Unmapped.DROP;
    private final Set<String> dropped = new LinkedHashSet<>();
    private final List<Rule> inherited = new ArrayList<>();
    private final List<RuleBuilder> rules = new ArrayList<>();

    Builder(String sourceObjectType, String targetObjectType) {
      this.sourceObjectType = requireText(sourceObjectType, "sourceObjectType");
      this.targetObjectType = requireText(targetObjectType, "targetObjectType");
    }

    /** What problems call this mapping ({@code "mapping"} unless set); its rules are {@code <name> rule <n>}. */
    public Builder name(String name) {
      this.name = requireText(name, "name");
      return this;
    }

    /** What becomes of the fields no rule names: {@link Unmapped#DROP} unless set. */
    public Builder unmapped(Unmapped unmapped) {
      this.unmapped = Objects.requireNonNull(unmapped, "unmapped");
      return this;
    }

    /** Fields never passed through, on either side (what no rule names and should not travel). */
    public Builder drop(String... fields) {
      for (String f : fields) {
        dropped.add(requireText(f, "field"));
      }
      return this;
    }

    /**
     * A rule reading {@code sourceFields} (one, or several for {@link Transforms#joinName()} and {@link
     * Transforms#concat}); say where it writes with {@link RuleBuilder#to}.
     */
    public RuleBuilder field(String... sourceFields) {
      RuleBuilder r = new RuleBuilder(this, List.of(sourceFields), null);
      rules.add(r);
      return r;
    }

    /**
     * A rule writing {@code value} into the target field given by {@link RuleBuilder#to} (text, a number or a
     * boolean), whatever the record holds. It flows to the target; for a constant written back to the source,
     * name the source field with {@link RuleBuilder#from} and flow {@link RuleDirection#TO_SOURCE}.
     */
    public RuleBuilder constant(Object value) {
      RuleBuilder r = new RuleBuilder(this, List.of(), Objects.requireNonNull(value, "value"));
      r.direction = RuleDirection.TO_TARGET;
      rules.add(r);
      return r;
    }

    /**
     * The mapping.
     *
     * @throws IllegalArgumentException listing every problem of the mapping itself (see {@link
     *     FieldMapping#problems()})
     */
    public FieldMapping build() {
      List<Rule> own = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        own.add(rules.get(i).rule(name + " rule " + (inherited.size() + i + 1)));
      }
      FieldMapping m = new FieldMapping(name, sourceObjectType, targetObjectType, unmapped, dropped,
          extend(inherited, own), List.of(), name);
      if (!m.problems().isEmpty()) {
        StringBuilder sb = new StringBuilder("the mapping has ").append(m.problems().size()).append(" problem(s):");
        m.problems().forEach(p -> sb.append("\n  ").append(p));
        throw new IllegalArgumentException(sb.toString());
      }
      return m;
    }
  }

  /** One rule of a {@link Builder}; its methods that start another rule, or build, close this one. */
  public static final class RuleBuilder {
    private final Builder owner;
    private List<String> from;
    private List<String> to = List.of();
    private final @Nullable Object constant;
    private final List<Transform> transforms = new ArrayList<>();
    private @Nullable List<Transform> reverse;
    private RuleDirection direction = RuleDirection.BOTH;
    private @Nullable Object defaultValue;
    private boolean optional;

    RuleBuilder(Builder owner, List<String> from, @Nullable Object constant) {
      this.owner = owner;
      from.forEach(f -> requireText(f, "field"));
      this.from = from;
      this.constant = constant;
    }

    /** The target fields it writes: one, or two for {@link Transforms#splitName()}. */
    public RuleBuilder to(String... targetFields) {
      List<String> list = List.of(targetFields);
      list.forEach(f -> requireText(f, "field"));
      this.to = list;
      return this;
    }

    /** The source field a constant flowing {@link RuleDirection#TO_SOURCE} writes. */
    public RuleBuilder from(String sourceField) {
      this.from = List.of(requireText(sourceField, "sourceField"));
      return this;
    }

    /** Transforms applied in order, in the way the rule flows; undone in reverse order on the way back. */
    public RuleBuilder transform(Transform... transforms) {
      for (Transform t : transforms) {
        this.transforms.add(Objects.requireNonNull(t, "transform"));
      }
      return this;
    }

    /** The transforms of the way back of a two-way rule, instead of undoing {@link #transform}'s. */
    public RuleBuilder reverse(Transform... transforms) {
      List<Transform> list = new ArrayList<>();
      for (Transform t : transforms) {
        list.add(Objects.requireNonNull(t, "transform"));
      }
      this.reverse = list;
      return this;
    }

    /** Which way values flow: {@link RuleDirection#BOTH} unless set (a constant: to the target). */
    public RuleBuilder direction(RuleDirection direction) {
      this.direction = Objects.requireNonNull(direction, "direction");
      return this;
    }

    /** The value written when the record has none (the field is absent or blank). */
    public RuleBuilder defaultValue(Object value) {
      this.defaultValue = Objects.requireNonNull(value, "value");
      return this;
    }

    /** Applies only where the reading side has the field: {@link FieldMapping#check} does not call it unknown. */
    public RuleBuilder optional() {
      this.optional = true;
      return this;
    }

    public RuleBuilder field(String... sourceFields) {
      return owner.field(sourceFields);
    }

    public RuleBuilder constant(Object value) {
      return owner.constant(value);
    }

    public Builder drop(String... fields) {
      return owner.drop(fields);
    }

    public FieldMapping build() {
      return owner.build();
    }

    Rule rule(String location) {
      return new Rule(location, from, to, direction, transforms, reverse, constant, defaultValue, optional, false);
    }
  }
}
