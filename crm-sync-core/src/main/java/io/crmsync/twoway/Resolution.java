package io.crmsync.twoway;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** What a {@link ConflictPolicy} decides for one field changed on both sides. Immutable. */
public final class Resolution {
  private enum Kind {
    FIRST,
    SECOND,
    VALUE,
    REVIEW
  }

  private static final Resolution FIRST = new Resolution(Kind.FIRST, null);
  private static final Resolution SECOND = new Resolution(Kind.SECOND, null);
  private static final Resolution REVIEW = new Resolution(Kind.REVIEW, null);

  private final Kind kind;
  private final @Nullable Object value;

  private Resolution(Kind kind, @Nullable Object value) {
    this.kind = kind;
    this.value = value;
  }

  /** The first side's value wins. */
  public static Resolution first() {
    return FIRST;
  }

  /** The second side's value wins. */
  public static Resolution second() {
    return SECOND;
  }

  /** Both sides get {@code value} (a merge of the two, say). */
  public static Resolution value(Object value) {
    return new Resolution(Kind.VALUE, Objects.requireNonNull(value, "value"));
  }

  /**
   * Neither side is written: the pair is kept, with both versions and what they last agreed on, for a
   * person to resolve ({@link TwoWaySync#conflicts}, {@link TwoWaySync#resolve}).
   */
  public static Resolution review() {
    return REVIEW;
  }

  /** Whether the pair goes to review. */
  public boolean isReview() {
    return kind == Kind.REVIEW;
  }

  /**
   * The value this resolution keeps for {@code conflict}; {@code null} for absent.
   *
   * @throws IllegalStateException for {@link #review()}
   */
  public @Nullable Object valueFor(FieldConflict conflict) {
    return switch (kind) {
      case FIRST -> conflict.first();
      case SECOND -> conflict.second();
      case VALUE -> value;
      case REVIEW -> throw new IllegalStateException("a conflict sent to review has no value");
    };
  }

  @Override
  public String toString() {
    // never the value: it is a record's data, and this may be logged
    return "Resolution." + kind.name().toLowerCase(java.util.Locale.ROOT);
  }
}
