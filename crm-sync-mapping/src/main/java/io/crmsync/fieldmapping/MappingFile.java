package io.crmsync.fieldmapping;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.crmsync.CrmConfigurationException;
import io.crmsync.mapping.MappingProblem;
import io.crmsync.model.ObjectTypes;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Reads a mapping file (YAML, or JSON) into a {@link FieldMapping}, keeping each rule's line for its
 * problems. A file that is no YAML at all fails at once; anything else wrong in it (an unknown key or
 * transform, a bad option) becomes a problem of the mapping, reported with those {@code check} finds.
 */
final class MappingFile {
  private static final JsonFactory YAML = YAMLFactory.builder().build();
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final Set<String> TOP_KEYS =
      Set.of("object", "source-object", "target-object", "extends", "unmapped", "drop", "rules");
  private static final Set<String> RULE_KEYS =
      Set.of("from", "to", "transform", "reverse", "direction", "default", "constant", "optional");

  /** A parsed value, with the line it starts on. */
  sealed interface Node permits MapNode, ListNode, Scalar {
    int line();
  }

  record Entry(int line, Node value) {}

  record MapNode(int line, Map<String, Entry> entries) implements Node {}

  record ListNode(int line, List<Node> items) implements Node {}

  record Scalar(int line, @Nullable Object value) implements Node {}

  private final String name;
  private final TransformRegistry registry;
  private final List<MappingProblem> problems = new ArrayList<>();

  private MappingFile(String name, TransformRegistry registry) {
    this.name = name;
    this.registry = registry;
  }

  static FieldMapping parse(String text, String name, TransformRegistry registry) {
    return new MappingFile(name, registry).read(text);
  }

  private String at(int line) {
    return name + ":" + line;
  }

  private void problem(int line, String field, String message) {
    problems.add(new MappingProblem(at(line), field, message));
  }

  // ---- the tree ------------------------------------------------------------------------------------

  private Node tree(String text) {
    JsonFactory factory = name.toLowerCase(Locale.ROOT).endsWith(".json") ? JSON : YAML;
    try (JsonParser p = factory.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new CrmConfigurationException("mapping", name + ": the mapping file is empty");
      }
      return node(p, first);
    } catch (JsonProcessingException e) {
      JsonLocation l = e.getLocation();
      throw new CrmConfigurationException("mapping", (l == null ? name : at(l.getLineNr())) + ": not valid "
          + (factory == JSON ? "JSON" : "YAML") + ": " + e.getOriginalMessage().replaceAll("\\s+", " ").strip());
    } catch (IOException e) {
      throw new CrmConfigurationException("mapping", name + ": cannot be read: " + e.getMessage());
    }
  }

  private Node node(JsonParser p, JsonToken t) throws IOException {
    int line = p.currentTokenLocation().getLineNr();
    switch (t) {
      case START_OBJECT -> {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String key = p.currentName();
          int keyLine = p.currentTokenLocation().getLineNr();
          Node value = node(p, p.nextToken());
          if (entries.putIfAbsent(key, new Entry(keyLine, value)) != null) {
            problem(keyLine, key, "'" + key + "' is given twice (also at line " + entries.get(key).line() + "): keep one");
          }
        }
        return new MapNode(line, entries);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken()) {
          items.add(node(p, i));
        }
        return new ListNode(line, items);
      }
      case VALUE_STRING -> {
        return new Scalar(line, p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return new Scalar(line, p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? new BigDecimal(p.getBigIntegerValue()) : (Object) p.getLongValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        return new Scalar(line, p.getDecimalValue());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new Scalar(line, t == JsonToken.VALUE_TRUE);
      }
      case VALUE_NULL -> {
        return new Scalar(line, null);
      }
      default -> throw new IOException("unexpected " + t);
    }
  }

  // ---- the mapping ---------------------------------------------------------------------------------

  private FieldMapping read(String text) {
    Node root = tree(text);
    if (!(root instanceof MapNode top)) {
      throw new CrmConfigurationException("mapping", at(root.line()) + ": a mapping file is a map of settings "
          + "(object, extends, unmapped, drop, rules), not " + what(root));
    }
    unknownKeys(top, TOP_KEYS, "the mapping");
    String object = text(top, "object", ObjectTypes.CONTACT);
    String sourceObject = text(top, "source-object", object);
    String targetObject = text(top, "target-object", object);
    FieldMapping base = null;
    Entry ext = top.entries().get("extends");
    if (ext != null) {
      Object v = ext.value() instanceof Scalar s ? s.value() : null;
      if ("defaults".equals(v)) {
        base = FieldMapping.defaults(sourceObject);
      } else {
        problem(ext.line(), "extends", "a mapping extends 'defaults' (the mapping a sync uses when given none), "
            + "not " + what(ext.value()));
      }
    }
    Unmapped unmapped = base != null ? base.unmapped() : Unmapped.DROP;
    Entry um = top.entries().get("unmapped");
    if (um != null) {
      Object v = um.value() instanceof Scalar s ? s.value() : null;
      if ("drop".equals(v)) {
        unmapped = Unmapped.DROP;
      } else if ("pass-through".equals(v)) {
        unmapped = Unmapped.PASS_THROUGH;
      } else {
        problem(um.line(), "unmapped", "unmapped is 'drop' or 'pass-through', not " + what(um.value()));
      }
    }
    Set<String> dropped = new LinkedHashSet<>(base != null ? base.dropped() : Set.of());
    Entry drop = top.entries().get("drop");
    if (drop != null) {
      dropped.addAll(names(drop.value(), "drop"));
    }
    List<Rule> own = new ArrayList<>();
    Entry rules = top.entries().get("rules");
    int rulesLine = 1;
    if (rules != null) {
      rulesLine = rules.line();
      if (rules.value() instanceof ListNode list) {
        for (Node n : list.items()) {
          Rule r = rule(n);
          if (r != null) {
            own.add(r);
          }
        }
      } else if (!(rules.value() instanceof Scalar s && s.value() == null)) {
        problem(rules.line(), "rules", "rules is a list (each rule starts with '- '), not " + what(rules.value()));
      }
    }
    List<Rule> all = base == null ? own : FieldMapping.extend(base.ruleList(), own);
    return new FieldMapping(name, sourceObject, targetObject, unmapped, dropped, all, problems, at(rulesLine));
  }

  private @Nullable Rule rule(Node n) {
    if (!(n instanceof MapNode m)) {
      problem(n.line(), "rules", "a rule is a map (from, to, transform, ...), not " + what(n));
      return null;
    }
    unknownKeys(m, RULE_KEYS, "a rule");
    int before = problems.size();
    List<String> from = m.entries().containsKey("from") ? names(m.entries().get("from").value(), "from") : List.of();
    List<String> to = m.entries().containsKey("to") ? names(m.entries().get("to").value(), "to") : List.of();
    String field = !to.isEmpty() ? to.get(0) : from.isEmpty() ? "(none)" : from.get(0);
    Object constant = scalar(m, "constant", field);
    Object defaultValue = scalar(m, "default", field);
    RuleDirection direction = constant != null
        ? (to.isEmpty() && !from.isEmpty() ? RuleDirection.TO_SOURCE : RuleDirection.TO_TARGET) : RuleDirection.BOTH;
    Entry d = m.entries().get("direction");
    if (d != null) {
      Object v = d.value() instanceof Scalar s ? s.value() : null;
      RuleDirection parsed = null;
      for (RuleDirection r : RuleDirection.values()) {
        if (r.fileName().equals(v)) {
          parsed = r;
        }
      }
      if (parsed == null) {
        problem(d.line(), field, "direction is to-target, to-source or both, not " + what(d.value()));
      } else {
        direction = parsed;
      }
    }
    boolean optional = false;
    Entry o = m.entries().get("optional");
    if (o != null) {
      if (o.value() instanceof Scalar s && s.value() instanceof Boolean b) {
        optional = b;
      } else {
        problem(o.line(), field, "optional is true or false, not " + what(o.value()));
      }
    }
    List<Transform> transforms = m.entries().containsKey("transform")
        ? transforms(m.entries().get("transform").value(), field) : List.of();
    List<Transform> reverse = m.entries().containsKey("reverse")
        ? transforms(m.entries().get("reverse").value(), field) : null;
    if (problems.size() > before) {
      return null; // reported; the rule is not usable as written
    }
    return new Rule(at(m.line()), from, to, direction, transforms, reverse, constant, defaultValue, optional, false);
  }

  private @Nullable Object scalar(MapNode m, String key, String field) {
    Entry e = m.entries().get(key);
    if (e == null) {
      return null;
    }
    if (e.value() instanceof Scalar s && s.value() != null) {
      return s.value();
    }
    problem(e.line(), field, key + " is a value (text, a number, true or false), not " + what(e.value()));
    return null;
  }

  private List<String> names(Node n, String key) {
    List<Node> items = n instanceof ListNode l ? l.items() : List.of(n);
    List<String> out = new ArrayList<>();
    for (Node i : items) {
      if (i instanceof Scalar s && s.value() instanceof String str && !str.isBlank()) {
        out.add(str.strip());
      } else if (i instanceof Scalar s && s.value() != null && !(s.value() instanceof Boolean)) {
        out.add(Flow.text(s.value()));
      } else {
        problem(i.line(), key, key + " names fields: a field name, or a list of them; not " + what(i));
      }
    }
    return out;
  }

  private void unknownKeys(MapNode m, Set<String> known, String what) {
    for (Map.Entry<String, Entry> e : m.entries().entrySet()) {
      if (!known.contains(e.getKey())) {
        String suggestion = closest(e.getKey(), known);
        problem(e.getValue().line(), e.getKey(), "unknown key in " + what + (suggestion == null ? "" : "; did you mean '"
            + suggestion + "'?") + " (" + what + " takes " + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }
  }

  private static @Nullable String closest(String name, Set<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = Checker.distance(name.toLowerCase(Locale.ROOT), k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  private String text(MapNode m, String key, String fallback) {
    Entry e = m.entries().get(key);
    if (e == null) {
      return fallback;
    }
    if (e.value() instanceof Scalar s && s.value() instanceof String str && !str.isBlank()) {
      return str.strip();
    }
    problem(e.line(), key, key + " is an object type name (contact, company, Invoice__c), not " + what(e.value()));
    return fallback;
  }

  private static String what(Node n) {
    if (n instanceof MapNode) {
      return "a map";
    }
    if (n instanceof ListNode) {
      return "a list";
    }
    Object v = ((Scalar) n).value();
    return v == null ? "nothing" : v instanceof String s ? "'" + s + "'" : Flow.text(v);
  }

  // ---- transforms ----------------------------------------------------------------------------------

  private List<Transform> transforms(Node n, String field) {
    List<Node> items = n instanceof ListNode l ? l.items() : List.of(n);
    List<Transform> out = new ArrayList<>();
    for (Node i : items) {
      Transform t = transform(i, field);
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  private @Nullable Transform transform(Node n, String field) {
    String tname;
    Node options = null;
    if (n instanceof Scalar s && s.value() instanceof String str) {
      tname = str.strip();
    } else if (n instanceof MapNode m && m.entries().size() == 1) {
      Map.Entry<String, Entry> e = m.entries().entrySet().iterator().next();
      tname = e.getKey();
      options = e.getValue().value();
    } else {
      problem(n.line(), field, "a transform is a name (trim), or a name and its options ({phone: GB}); not " + what(n));
      return null;
    }
    try {
      return switch (tname) {
        case "trim" -> none(options, Transforms.trim());
        case "lowercase" -> none(options, Transforms.lowercase());
        case "uppercase" -> none(options, Transforms.uppercase());
        case "titlecase" -> none(options, Transforms.titlecase());
        case "email" -> none(options, Transforms.email());
        case "split-name" -> none(options, Transforms.splitName());
        case "join-name" -> none(options, Transforms.joinName());
        case "to-text" -> none(options, Transforms.toText());
        case "to-number" -> none(options, Transforms.toNumber());
        case "to-boolean" -> none(options, Transforms.toBoolean());
        case "identity" -> none(options, Builtins.Identity.INSTANCE);
        case "phone" -> {
          String region = options == null ? null : option(options, "region", tname);
          yield region == null ? Transforms.phone() : Transforms.phone(region);
        }
        case "truncate" -> {
          String length = options == null ? null : option(options, "length", tname);
          if (length == null) {
            throw new IllegalArgumentException("truncate needs a length: {truncate: 80}");
          }
          try {
            yield Transforms.truncate(Integer.parseInt(length));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("truncate takes a length in characters, not '" + length + "'");
          }
        }
        case "concat" -> {
          String separator = options == null ? null : option(options, "separator", tname);
          yield Transforms.concat(separator == null ? " " : separator);
        }
        case "date" -> {
          Map<String, Entry> o = options(options, tname, Set.of("from", "to", "locale", "zone"));
          yield Transforms.date(optionText(o, "from", Builtins.ISO), optionText(o, "to", Builtins.ISO),
              locale(optionText(o, "locale", null)), zone(optionText(o, "zone", null)));
        }
        case "number" -> {
          Map<String, Entry> o = options(options, tname, Set.of("from", "to", "locale"));
          yield Transforms.number(optionText(o, "from", null), optionText(o, "to", null),
              locale(optionText(o, "locale", null)));
        }
        case "map" -> picklist(options, field);
        default -> custom(tname, options, n.line(), field);
      };
    } catch (IllegalArgumentException e) {
      problem(n.line(), field, e.getMessage());
      return null;
    }
  }

  private static Transform none(@Nullable Node options, Transform t) {
    if (options != null && !(options instanceof Scalar s && s.value() == null)) {
      throw new IllegalArgumentException(t.name() + " takes no options");
    }
    return t;
  }

  /** A single option given as it is ({phone: GB}) or by name ({phone: {region: GB}}). */
  private static @Nullable String option(Node options, String key, String transform) {
    if (options instanceof Scalar s) {
      return s.value() == null ? null : Flow.text(s.value());
    }
    if (options instanceof MapNode m && m.entries().size() == 1 && m.entries().containsKey(key)
        && m.entries().get(key).value() instanceof Scalar s) {
      return s.value() == null ? null : Flow.text(s.value());
    }
    throw new IllegalArgumentException(transform + " takes one option, " + key + ": {" + transform + ": value}");
  }

  private Map<String, Entry> options(@Nullable Node options, String transform, Set<String> keys) {
    if (options == null || options instanceof Scalar s && s.value() == null) {
      return Map.of();
    }
    if (!(options instanceof MapNode m)) {
      throw new IllegalArgumentException(transform + " takes options by name (" + String.join(", ", new TreeSet<>(keys))
          + "), not " + what(options));
    }
    for (String k : m.entries().keySet()) {
      if (!keys.contains(k)) {
        throw new IllegalArgumentException("unknown option '" + k + "' of " + transform + "; it takes "
            + String.join(", ", new TreeSet<>(keys)));
      }
    }
    return m.entries();
  }

  private static @Nullable String optionText(Map<String, Entry> o, String key, @Nullable String fallback) {
    Entry e = o.get(key);
    if (e == null) {
      return fallback;
    }
    if (e.value() instanceof Scalar s && s.value() != null) {
      return Flow.text(s.value());
    }
    throw new IllegalArgumentException(key + " is a value, not " + what(e.value()));
  }

  private static Locale locale(@Nullable String tag) {
    if (tag == null) {
      return Locale.ROOT;
    }
    Locale l = Locale.forLanguageTag(tag);
    if (l.getLanguage().isEmpty()) {
      throw new IllegalArgumentException("not a locale: '" + tag + "'; give a language tag such as en-GB or de-DE");
    }
    return l;
  }

  private static ZoneId zone(@Nullable String id) {
    if (id == null) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(id);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("not a time zone: '" + id + "'; give one such as UTC or Europe/London");
    }
  }

  private Transform picklist(@Nullable Node options, String field) {
    Map<String, Entry> o = options(options, "map", Set.of("values", "default", "reverse", "reverse-default"));
    Entry values = o.get("values");
    if (values == null) {
      throw new IllegalArgumentException("map needs its values: {map: {values: {lead: Lead, customer: Customer}}}");
    }
    Entry reverse = o.get("reverse");
    Entry def = o.get("default");
    Entry revDef = o.get("reverse-default");
    return Transforms.map(valueMap(values, "values"), def == null ? null : value(def, "default"),
        reverse == null ? null : valueMap(reverse, "reverse"), revDef == null ? null : value(revDef, "reverse-default"));
  }

  private static Map<String, Object> valueMap(Entry e, String key) {
    if (!(e.value() instanceof MapNode m)) {
      throw new IllegalArgumentException("the map's " + key + " are a map of value: value, not " + what(e.value()));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Entry> v : m.entries().entrySet()) {
      out.put(v.getKey(), value(v.getValue(), key + " of '" + v.getKey() + "'"));
    }
    return out;
  }

  private static Object value(Entry e, String what) {
    if (e.value() instanceof Scalar s && s.value() != null) {
      return s.value();
    }
    throw new IllegalArgumentException("the map's " + what + " is a value (text, a number, true or false), not "
        + what(e.value()));
  }

  private @Nullable Transform custom(String tname, @Nullable Node options, int line, String field) {
    var t = registry.get(tname);
    if (t.isEmpty()) {
      Set<String> all = new TreeSet<>(Builtins.NAMES);
      all.remove("identity");
      String suggestion = closest(tname, all);
      if (suggestion == null) {
        suggestion = closest(tname, registry.names());
      }
      problem(line, field, "unknown transform '" + tname + "'" + (suggestion == null ? "" : "; did you mean '"
          + suggestion + "'?") + (registry.names().isEmpty()
              ? " (no custom transforms are registered: register it in a TransformRegistry given to FieldMapping.load)"
              : " (registered: " + String.join(", ", registry.names()) + ")"));
      return null;
    }
    if (options != null && !(options instanceof Scalar s && s.value() == null)) {
      throw new IllegalArgumentException("custom transform '" + tname + "' takes no options in the file: register "
          + "one transform per set of options");
    }
    return t.get();
  }
}
