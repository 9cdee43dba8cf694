package io.crmsync.fieldmapping;

import io.crmsync.adapter.FieldInfo;
import io.crmsync.mapping.MappingProblem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;


/** Holds the rules that write the target against both sides' fields; see {@link FieldMapping#check}. */
final class Checker {
  private static final int MAX_LISTED = 12;

  private final FieldMapping mapping;
  private final List<FieldInfo> sourceFields;
  private final List<FieldInfo> targetFields;
  private final Map<String, FieldInfo> source;
  private final Map<String, FieldInfo> target;
  private final List<MappingProblem> out = new ArrayList<>();

  Checker(FieldMapping mapping, List<FieldInfo> sourceFields, List<FieldInfo> targetFields) {
    this.mapping = mapping;
    this.sourceFields = List.copyOf(sourceFields);
    this.targetFields = List.copyOf(targetFields);
    this.source = index(this.sourceFields);
    this.target = index(this.targetFields);
  }

  private static Map<String, FieldInfo> index(List<FieldInfo> fields) {
    Map<String, FieldInfo> m = new LinkedHashMap<>();
    fields.forEach(f -> m.putIfAbsent(f.name(), f));
    return m;
  }

  List<MappingProblem> problems() {
    Set<String> written = new HashSet<>();
    for (Flow flow : mapping.flowsToTarget()) {
      written.addAll(flow.outputs);
      check(flow);
    }
    for (FieldInfo f : targetFields) {
      if (f.required() && !f.readOnly() && !f.reference() && !written.contains(f.name())
          && !(mapping.passesThrough(f.name()) && (source.containsKey(f.name()) || sourceFields.isEmpty()))) {
        out.add(new MappingProblem(mapping.rulesLocation(), f.name(), "the target requires this field on create, "
            + "and nothing writes it: map a source field to it, or give it a constant or a default"
            + (mapping.unmapped() == Unmapped.DROP && source.containsKey(f.name())
                ? " (the source has a field of that name, and fields no rule names are dropped)" : "")));
      }
    }
    return out;
  }

  private void check(Flow flow) {
    Rule rule = flow.rule;
    List<ValueKind> kinds = new ArrayList<>();
    if (flow.constant != null) {
      kinds.add(kindOf(flow.constant));
    }
    for (String in : flow.inputs) {
      FieldInfo f = source.get(in);
      if (f == null && !sourceFields.isEmpty()) {
        if (rule.optional) {
          return; // applies only where the source has it
        }
        out.add(rule.problem(in, unknown("source", mapping.sourceObjectType(), in, sourceFields)));
      }
      kinds.add(f == null ? ValueKind.ANY : ValueKind.of(f));
    }
    String field = flow.inputs.isEmpty() ? flow.outputs.get(0) : flow.inputs.get(0);
    for (Transform t : flow.chain) {
      for (ValueKind k : kinds) {
        if (!t.accepts(k)) {
          out.add(rule.problem(field, t.name() + " does not take " + k.describe() + " (" + field + " holds "
              + k.describe() + "): " + (k == ValueKind.REFERENCE
                  ? "ids of the source's records mean nothing elsewhere; map them with to-text, if at all"
                  : "convert it first (to-text, number, to-boolean, date), or drop " + t.name())));
        }
      }
      List<ValueKind> next = new ArrayList<>();
      if (t.inputs() == 1 && t.outputs() == 1) {
        kinds.forEach(k -> next.add(t.outputKind(k)));
      } else {
        ValueKind k = t.outputKind(kinds.isEmpty() ? ValueKind.ANY : kinds.get(0));
        for (int i = 0; i < t.outputs(); i++) {
          next.add(k);
        }
      }
      kinds = next;
    }
    for (int i = 0; i < flow.outputs.size(); i++) {
      String name = flow.outputs.get(i);
      FieldInfo f = target.get(name);
      if (f == null) {
        if (!targetFields.isEmpty() && !rule.optional) {
          out.add(rule.problem(name, unknown("target", mapping.targetObjectType(), name, targetFields)));
        }
        continue;
      }
      if (f.readOnly()) {
        out.add(rule.problem(name, "the target computes this field (it is read-only): writes cannot set it; map to "
            + "a writable field" + (rule.direction == RuleDirection.BOTH ? ", or make the rule flow to-source" : "")));
        continue;
      }
      if (f.reference()) {
        out.add(rule.problem(name, "this field holds ids of the target's own records (" + f.type() + "): the engine "
            + "never writes values from another system into it; map to a text field instead"));
        continue;
      }
      ValueKind from = i < kinds.size() ? kinds.get(i) : ValueKind.ANY;
      ValueKind to = ValueKind.of(f);
      if (!from.convertsTo(to)) {
        out.add(rule.problem(name, "the rule gives " + from.describe() + ", which cannot be written to a "
            + f.type() + " field: " + hint(to)));
        continue;
      }
      checkValues(flow, f, name);
    }
  }

  /** The values the rule is known to write (constants, defaults, map values) against picklists and lengths. */
  private void checkValues(Flow flow, FieldInfo f, String name) {
    Rule rule = flow.rule;
    List<Object> possible = flow.possibleOutputs();
    if (possible == null && flow.defaultValue != null) {
      possible = List.of(flow.defaultValue);
    }
    List<String> allowed = f.picklistValues();
    if (possible != null) {
      Set<String> reported = new HashSet<>();
      for (Object v : possible) {
        String text = Flow.text(v);
        if (!allowed.isEmpty() && !allowed.contains(text) && reported.add(text)) {
          out.add(rule.problem(name, "writes '" + text + "', which the target's picklist does not allow; it allows "
              + list(allowed)));
        } else if (f.maxLength() > 0 && text.length() > f.maxLength() && reported.add(text)) {
          out.add(rule.problem(name, "writes '" + text + "' (" + text.length() + " characters), and the target takes "
              + "at most " + f.maxLength() + ": shorten it"));
        }
      }
      return;
    }
    // a picklist copied as it is: each source value must be one the target allows
    if (allowed.isEmpty() || flow.inputs.size() != 1 || !flow.chain.stream().allMatch(Checker::keepsValues)) {
      return;
    }
    FieldInfo in = source.get(flow.inputs.get(0));
    if (in == null || in.picklistValues().isEmpty()) {
      return;
    }
    List<String> missing = new ArrayList<>();
    for (String v : in.picklistValues()) {
      if (!allowed.contains(v)) {
        missing.add(v);
      }
    }
    if (!missing.isEmpty()) {
      out.add(rule.problem(name, "the source's " + in.name() + " takes " + list(missing) + ", which the target's "
          + "picklist does not allow (it allows " + list(allowed) + "): add a map transform from the one to the other"));
    }
  }

  /** Whether a transform leaves picklist values as they are (trimming does, in effect). */
  private static boolean keepsValues(Transform t) {
    return t instanceof Builtins.Trim || t == Builtins.Identity.INSTANCE;
  }

  private static ValueKind kindOf(Object constant) {
    if (constant instanceof Boolean) {
      return ValueKind.BOOLEAN;
    }
    return constant instanceof Number ? ValueKind.NUMBER : ValueKind.TEXT;
  }

  private static String hint(ValueKind to) {
    return switch (to) {
      case NUMBER -> "read it as a number with the number transform, or map another field";
      case BOOLEAN -> "read it as a boolean with to-boolean, or map another field";
      case DATE, DATETIME -> "read it as a date with the date transform, or map another field";
      case TEXT -> "write it as text with to-text";
      case PICKLIST, MULTI_PICKLIST -> "map its values to the picklist's with a map transform";
      default -> "map another field";
    };
  }

  /** "the target has no contact field 'Emial'; did you mean 'email'?" */
  private static String unknown(String side, String objectType, String name, List<FieldInfo> fields) {
    StringBuilder sb = new StringBuilder("the ").append(side).append(" has no ").append(objectType)
        .append(" field '").append(name).append("'");
    String lower = name.toLowerCase(Locale.ROOT);
    for (FieldInfo f : fields) {
      if (!f.nativeName().equals(f.name()) && f.nativeName().equalsIgnoreCase(name)) {
        return sb.append(": records call its field ").append(f.nativeName()).append(" '").append(f.name())
            .append("'; write '").append(f.name()).append("'").toString();
      }
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (FieldInfo f : fields) {
      int d = distance(lower, f.name().toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = f.name();
      }
    }
    if (best != null && bestDistance <= Math.max(2, name.length() / 4)) {
      return sb.append("; did you mean '").append(best).append("'?").toString();
    }
    List<String> names = new ArrayList<>();
    fields.forEach(f -> names.add(f.name()));
    return sb.append("; its fields are ").append(list(names)).toString();
  }

  private static String list(List<String> values) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      if (i == MAX_LISTED) {
        return sb.append(", ... (").append(values.size() - MAX_LISTED).append(" more)").toString();
      }
      sb.append(i == 0 ? "" : ", ").append(values.get(i));
    }
    return sb.toString();
  }

  /** Levenshtein distance, for suggestions. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

}
