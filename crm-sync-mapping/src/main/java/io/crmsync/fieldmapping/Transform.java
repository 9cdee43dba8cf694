package io.crmsync.fieldmapping;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turns a field's value into what is written to the other side: trim it, normalise an email address, parse
 * a date, map a picklist value. The standard ones are in {@link Transforms}; register your own by name in
 * a {@link TransformRegistry} for mapping files, or hand them to {@link FieldMapping.RuleBuilder#transform}
 * in code.
 *
 * <p>A transform must be a pure, deterministic function, safe to call from several threads at once:
 * two-way syncs compare mapped values field by field, so a value mapped there and back must come out the
 * same the next time. A value it cannot transform is refused by throwing {@link IllegalArgumentException}
 * with a reason that does not quote the value (values are customers' data, and messages end up in logs):
 * the record is then dead-lettered naming the field and the reason, and the rest of its batch lands.
 *
 * <p>Most transforms take one value and give one ({@link #inputs()} and {@link #outputs()} are 1); they
 * are applied to each value of a multi-value field (a list) in turn, and never see an absent value. The
 * few that take or give several fields (splitting a full name, joining the parts back) override {@link
 * #applyAll}.
 */
public interface Transform {

  /** Its name, as mapping files and messages call it: {@code trim}, {@code phone}, {@code loyaltyTier}. */
  String name();

  /**
   * {@code value} (never null) transformed; {@code null} when the result is "no value" (a blank address).
   *
   * @throws IllegalArgumentException if the value cannot be transformed, with a reason that does not quote it
   */
  @Nullable Object apply(Object value);

  /** How many fields it takes: 1, or -1 for "two or more" (a concatenation). */
  default int inputs() {
    return 1;
  }

  /** How many fields it gives. */
  default int outputs() {
    return 1;
  }

  /**
   * The values of the fields it takes (null for an absent one) to the values of those it gives. Only
   * transforms of several inputs or outputs override it; others are applied value by value.
   *
   * @throws IllegalArgumentException if the values cannot be transformed
   */
  default List<@Nullable Object> applyAll(List<@Nullable Object> values) {
    List<@Nullable Object> out = new ArrayList<>(values.size());
    for (Object v : values) {
      out.add(v == null ? null : apply(v));
    }
    return out;
  }

  /**
   * The transform that undoes this one, for the way back of a two-way rule: a date format read the other
   * way round, a picklist map inverted, joining for splitting. A normalisation (trim, lower case, E.164)
   * is undone by passing values as they are. Empty when it cannot be undone; a two-way rule using it then
   * needs an explicit reverse transform.
   */
  default Optional<Transform> inverse() {
    return Optional.empty();
  }

  /** Whether it takes values of {@code kind}; {@link FieldMapping#check} reports a rule where it does not. */
  default boolean accepts(ValueKind kind) {
    return true;
  }

  /** The kind of value it gives for values of {@code input} kind; {@link ValueKind#ANY} when it cannot say. */
  default ValueKind outputKind(ValueKind input) {
    return ValueKind.ANY;
  }

  /**
   * Every value it can give, when that is a known, finite set (a picklist map's values and its default),
   * so that {@link FieldMapping#check} can hold them against the target's picklist and length; empty when
   * unknown.
   */
  default Optional<Collection<Object>> possibleOutputs() {
    return Optional.empty();
  }

  /**
   * A one-way transform from a function: a two-way rule using it needs an explicit reverse transform.
   *
   * @throws NullPointerException if an argument is null
   */
  static Transform of(String name, Function<Object, @Nullable Object> function) {
    return new FunctionTransform(name, function, null, false);
  }

  /**
   * A transform and the function that undoes it, for two-way rules.
   *
   * @throws NullPointerException if an argument is null
   */
  static Transform of(String name, Function<Object, @Nullable Object> function,
      Function<Object, @Nullable Object> inverse) {
    return new FunctionTransform(name, function, Objects.requireNonNull(inverse, "inverse"), false);
  }

  /**
   * A normalisation: applying it twice gives what applying it once does, so the way back passes values as
   * they are (like {@link Transforms#trim()}).
   *
   * @throws NullPointerException if an argument is null
   */
  static Transform normalizer(String name, Function<Object, @Nullable Object> function) {
    return new FunctionTransform(name, function, null, true);
  }
}

/** {@link Transform#of} and {@link Transform#normalizer}. */
final class FunctionTransform implements Transform {
  private final String name;
  private final Function<Object, @Nullable Object> function;
  private final @Nullable Function<Object, @Nullable Object> inverse;
  private final boolean normalizer;
  private final @Nullable FunctionTransform undoes;

  FunctionTransform(String name, Function<Object, @Nullable Object> function,
      @Nullable Function<Object, @Nullable Object> inverse, boolean normalizer) {
    this.name = TransformRegistry.checkName(name);
    this.function = Objects.requireNonNull(function, "function");
    this.inverse = inverse;
    this.normalizer = normalizer;
    this.undoes = null;
  }

  private FunctionTransform(FunctionTransform undoes, Function<Object, @Nullable Object> function) {
    this.name = "reverse of " + undoes.name;
    this.function = function;
    this.inverse = null;
    this.normalizer = false;
    this.undoes = undoes;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public @Nullable Object apply(Object value) {
    return function.apply(value);
  }

  @Override
  public Optional<Transform> inverse() {
    if (undoes != null) {
      return Optional.of(undoes);
    }
    if (normalizer) {
      return Optional.of(Builtins.Identity.INSTANCE);
    }
    return inverse == null ? Optional.empty() : Optional.of(new FunctionTransform(this, inverse));
  }

  @Override
  public String toString() {
    return name;
  }
}
