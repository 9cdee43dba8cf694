package io.crmsync.fieldmapping;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One way of one rule: the fields it reads on one side, the transforms, the fields it writes on the other.
 * Immutable.
 */
final class Flow {
  final Rule rule;
  /** Whether it writes the target (else the source). */
  final boolean toTarget;
  final List<String> inputs;
  final List<String> outputs;
  final List<Transform> chain;
  final @Nullable Object constant;
  final @Nullable Object defaultValue;

  Flow(Rule rule, boolean toTarget, List<String> inputs, List<String> outputs, List<Transform> chain,
      @Nullable Object constant, @Nullable Object defaultValue) {
    this.rule = rule;
    this.toTarget = toTarget;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.chain = List.copyOf(chain);
    this.constant = constant;
    this.defaultValue = defaultValue;
  }

  /** This flow as part of {@code rule}, writing the target or the source. */
  Flow withRule(Rule rule, boolean toTarget) {
    return new Flow(rule, toTarget, inputs, outputs, chain, constant, defaultValue);
  }

  /**
   * Why the chain does not take this flow's inputs to its outputs, or null when it does: a transform given
   * a different number of fields than it takes, or a chain ending with more or fewer values than outputs.
   */
  @Nullable String arityProblem() {
    int n = constant != null ? 1 : inputs.size();
    for (Transform t : chain) {
      boolean single = t.inputs() == 1 && t.outputs() == 1;
      if (single) {
        continue;
      }
      if (t.inputs() == -1 ? n < 2 : n != t.inputs()) {
        return t.name() + " takes " + (t.inputs() == -1 ? "two or more fields" : fields(t.inputs())) + ", and gets "
            + fields(n) + " here";
      }
      n = t.outputs();
    }
    if (n != outputs.size()) {
      boolean reshapes = chain.stream().anyMatch(t -> t.inputs() != 1 || t.outputs() != 1);
      List<String> names = new ArrayList<>();
      chain.forEach(t -> names.add(t.name()));
      return reshapes ? "its transforms (" + String.join(", ", names) + ") give " + fields(n) + ", and it "
          + (toTarget ? "names " : "names back ") + fields(outputs.size()) + ": name " + n + " in '"
          + (toTarget ? "to" : "from") + "'"
          : "it reads " + fields(n) + " and writes " + fields(outputs.size())
              + ": one field maps to one; split-name, join-name and concat change the number of fields";
    }
    return null;
  }

  private static String fields(int n) {
    return n == 1 ? "1 field" : n + " fields";
  }

  /**
   * The values this flow writes, one per output (null: not written), from {@code fields}.
   *
   * @throws IllegalArgumentException if a transform refuses a value
   */
  List<@Nullable Object> run(Map<String, Object> fields) {
    List<@Nullable Object> values = new ArrayList<>(Math.max(1, inputs.size()));
    boolean any = false;
    if (constant != null) {
      values.add(constant);
      any = true;
    } else {
      for (String in : inputs) {
        Object v = fields.get(in);
        values.add(v);
        any |= v != null;
      }
    }
    if (any) {
      for (Transform t : chain) {
        values = step(t, values);
      }
    } else {
      values = new ArrayList<>();
      for (int i = 0; i < outputs.size(); i++) {
        values.add(null);
      }
    }
    if (defaultValue != null && values.size() == 1 && blank(values.get(0))) {
      values.set(0, defaultValue);
    }
    for (int i = 0; i < values.size(); i++) {
      Object v = values.get(i);
      if (v != null && !(v instanceof String || v instanceof Boolean || v instanceof Number || v instanceof List
          || v instanceof Map)) {
        throw new IllegalArgumentException("a transform gave " + Builtins.kindOf(v)
            + "; transforms give text, a number, a boolean, a list or a map");
      }
      if (v instanceof Double d && (d.isNaN() || d.isInfinite()) || v instanceof Float f && (f.isNaN() || f.isInfinite())) {
        throw new IllegalArgumentException("a transform gave a number that is not finite");
      }
    }
    return values;
  }

  private static boolean blank(@Nullable Object v) {
    return v == null || v instanceof String s && s.isBlank();
  }

  private static List<@Nullable Object> step(Transform t, List<@Nullable Object> values) {
    if (t.inputs() == 1 && t.outputs() == 1) {
      List<@Nullable Object> out = new ArrayList<>(values.size());
      for (Object v : values) {
        out.add(v == null ? null : one(t, v));
      }
      return out;
    }
    List<@Nullable Object> out = t.applyAll(values);
    if (out.size() != t.outputs()) {
      throw new IllegalStateException(t.name() + " gave " + out.size() + " values, not " + t.outputs());
    }
    return new ArrayList<>(out);
  }

  /** {@code t} applied to a value, or to each element of a list (elements it makes absent are left out). */
  private static @Nullable Object one(Transform t, Object v) {
    if (v instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object e : list) {
        Object r = e == null ? null : t.apply(e);
        if (r != null) {
          out.add(r);
        }
      }
      return out;
    }
    return t.apply(v);
  }

  /** The values it can write, when it writes one field and they are a known set: constants, defaults, map values. */
  @Nullable List<Object> possibleOutputs() {
    List<Object> out = new ArrayList<>();
    if (defaultValue != null) {
      out.add(defaultValue);
    }
    if (outputs.size() != 1) {
      return null;
    }
    if (constant != null && chain.isEmpty()) {
      out.add(constant);
      return out;
    }
    if (chain.isEmpty()) {
      return null;
    }
    var last = chain.get(chain.size() - 1).possibleOutputs();
    if (last.isEmpty()) {
      return null;
    }
    out.addAll(last.get());
    return out;
  }

  static String text(Object v) {
    return v instanceof BigDecimal d ? d.toPlainString() : v.toString();
  }

  /** {@code a, b -> c} for messages. */
  String describe() {
    String from = constant != null ? "constant" : String.join(", ", inputs);
    return from + " -> " + String.join(", ", outputs);
  }
}
