package io.crmsync.fieldmapping;

import io.crmsync.mapping.MappingProblem;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One rule, with its flows: to the target, to the source, or both. Immutable. Problems that need no
 * adapter's fields (a transform given the wrong number of fields, a two-way rule whose transform cannot be
 * undone) are found here, once.
 */
final class Rule {
  final String location;
  final List<String> sourceFields;
  final List<String> targetFields;
  final RuleDirection direction;
  final List<Transform> transforms;
  final @Nullable List<Transform> reverse;
  final @Nullable Object constant;
  final @Nullable Object defaultValue;
  final boolean optional;
  final boolean inherited;
  final @Nullable Flow toTarget;
  final @Nullable Flow toSource;
  final List<MappingProblem> problems;

  Rule(String location, List<String> sourceFields, List<String> targetFields, RuleDirection direction,
      List<Transform> transforms, @Nullable List<Transform> reverse, @Nullable Object constant,
      @Nullable Object defaultValue, boolean optional, boolean inherited) {
    this.location = Objects.requireNonNull(location, "location");
    this.sourceFields = List.copyOf(sourceFields);
    this.targetFields = List.copyOf(targetFields);
    this.direction = Objects.requireNonNull(direction, "direction");
    this.transforms = List.copyOf(transforms);
    this.reverse = reverse == null ? null : List.copyOf(reverse);
    this.constant = constant;
    this.defaultValue = defaultValue;
    this.optional = optional;
    this.inherited = inherited;
    List<MappingProblem> found = new ArrayList<>();
    String field = field();
    if (constant != null && direction == RuleDirection.BOTH) {
      found.add(problem(field, "a constant flows one way: give the rule direction to-target (or to-source, "
          + "naming the source field in 'from')"));
    }
    if (constant == null && sourceFields.isEmpty()) {
      found.add(problem(field, "the rule names no source field: give 'from' (or a 'constant')"));
    }
    if (constant == null && targetFields.isEmpty()) {
      found.add(problem(field, "the rule names no target field: give 'to'"));
    }
    if (constant != null && (direction == RuleDirection.TO_SOURCE ? !targetFields.isEmpty() || sourceFields.size() != 1
        : !sourceFields.isEmpty() || targetFields.size() != 1)) {
      found.add(problem(field, direction == RuleDirection.TO_SOURCE
          ? "a constant written to the source names one source field in 'from' and no 'to'"
          : "a constant names one target field in 'to' and no 'from'"));
    }
    if (reverse != null && direction != RuleDirection.BOTH) {
      found.add(problem(field, "'reverse' is the way back of a two-way rule, and this rule flows "
          + direction.fileName() + " only: drop it, or make the rule both ways"));
    }
    if (defaultValue != null && (direction.toTarget() ? targetFields : sourceFields).size() != 1) {
      found.add(problem(field, "a default is the value of one field written when the source has none; this "
          + "rule writes several"));
    }
    Flow forward = null;
    Flow backward = null;
    if (found.isEmpty()) {
      if (direction == RuleDirection.TO_SOURCE) {
        backward = new Flow(this, false, targetFields, sourceFields, transforms, constant, defaultValue);
      } else {
        forward = new Flow(this, true, sourceFields, targetFields, transforms, constant, defaultValue);
      }
      if (direction == RuleDirection.BOTH) {
        List<Transform> back = reverse != null ? reverse : undo(transforms, field, found);
        if (back != null) {
          backward = new Flow(this, false, targetFields, sourceFields, back, null, null);
        }
      }
      for (Flow f : new Flow[] {forward, backward}) {
        String arity = f == null ? null : f.arityProblem();
        if (arity != null) {
          found.add(problem(field, (f == backward && f != null && direction == RuleDirection.BOTH
              ? "on the way back, " : "") + arity));
          break; // the way back of a rule that is wrong one way is wrong the other
        }
      }
    }
    this.toTarget = found.isEmpty() ? forward : null;
    this.toSource = found.isEmpty() ? backward : null;
    this.problems = Collections.unmodifiableList(found);
  }

  /** The transforms that undo {@code chain}, last first; null (and a problem) when one cannot be undone. */
  private @Nullable List<Transform> undo(List<Transform> chain, String field, List<MappingProblem> found) {
    List<Transform> back = new ArrayList<>(chain.size());
    for (int i = chain.size() - 1; i >= 0; i--) {
      Transform t = chain.get(i);
      Optional<Transform> inverse = t.inverse();
      if (inverse.isEmpty()) {
        String why = t instanceof Builtins.PicklistMap m ? " (" + m.whyIrreversible() + ")" : "";
        found.add(problem(field, t.name() + " cannot be undone for the way back" + why + ": give the rule a "
            + "'reverse' transform, or a direction (to-target) if values flow one way"));
        return null;
      }
      back.add(inverse.get());
    }
    return back;
  }

  /** The field this rule is known by in messages: its first target field, else its first source field. */
  String field() {
    if (!targetFields.isEmpty()) {
      return targetFields.get(0);
    }
    return sourceFields.isEmpty() ? "(none)" : sourceFields.get(0);
  }

  MappingProblem problem(String field, String message) {
    return new MappingProblem(location, field, message);
  }

  /** This rule seen from the other side: source and target swapped, its direction flipped, its flows swapped. */
  Rule flip() {
    return new Rule(this, true);
  }

  /** This rule, marked as inherited from the mapping a file or builder extends. */
  Rule asInherited() {
    return new Rule(this, false);
  }

  private Rule(Rule r, boolean flip) {
    this.location = r.location;
    this.sourceFields = flip ? r.targetFields : r.sourceFields;
    this.targetFields = flip ? r.sourceFields : r.targetFields;
    this.direction = flip ? r.direction.flip() : r.direction;
    Flow forward = flip ? r.toSource : r.toTarget;
    Flow backward = flip ? r.toTarget : r.toSource;
    this.transforms = flip && backward != null && forward != null ? forward.chain : r.transforms;
    this.reverse = flip && forward != null && backward != null ? backward.chain : r.reverse;
    this.constant = r.constant;
    this.defaultValue = r.defaultValue;
    this.optional = r.optional;
    this.inherited = !flip || r.inherited;
    this.toTarget = forward == null ? null : forward.withRule(this, true);
    this.toSource = backward == null ? null : backward.withRule(this, false);
    this.problems = r.problems;
  }

  /** The fields this rule writes, on either side, as {@code side:name}. */
  List<String> written() {
    List<String> out = new ArrayList<>();
    if (direction.toTarget()) {
      targetFields.forEach(f -> out.add("target:" + f));
    }
    if (direction.toSource()) {
      sourceFields.forEach(f -> out.add("source:" + f));
    }
    return out;
  }

  FieldRule view() {
    List<String> names = new ArrayList<>();
    transforms.forEach(t -> names.add(t.name()));
    return new FieldRule(location, sourceFields, targetFields, direction, names);
  }
}
