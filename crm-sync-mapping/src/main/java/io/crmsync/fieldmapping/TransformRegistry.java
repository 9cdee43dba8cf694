package io.crmsync.fieldmapping;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Custom transforms by name, for mapping files to use ({@code transform: loyaltyTier}). A file that names a
 * transform neither built in nor registered has a problem, reported with the others. Immutable and
 * thread-safe once built.
 *
 * <pre>{@code
 * TransformRegistry transforms = TransformRegistry.builder()
 *     .register(Transform.of("loyaltyTier", v -> Tiers.of(v.toString()), v -> Tiers.points(v.toString())))
 *     .build();
 * FieldMapping mapping = FieldMapping.load(Path.of("contacts.yaml"), transforms);
 * }</pre>
 */
public final class TransformRegistry {
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
  private static final TransformRegistry EMPTY = new TransformRegistry(Map.of());

  private final Map<String, Transform> transforms;

  private TransformRegistry(Map<String, Transform> transforms) {
    this.transforms = Collections.unmodifiableMap(new LinkedHashMap<>(transforms));
  }

  /** No custom transforms: only the built-in ones. */
  public static TransformRegistry empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The transform registered as {@code name}, if any. */
  public Optional<Transform> get(String name) {
    return Optional.ofNullable(transforms.get(Objects.requireNonNull(name, "name")));
  }

  /** The registered names, sorted. */
  public Set<String> names() {
    return Collections.unmodifiableSet(new TreeSet<>(transforms.keySet()));
  }

  @Override
  public String toString() {
    return "TransformRegistry" + names();
  }

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a transform name is a letter, then letters, digits, '_', '.' or '-' "
          + "(at most 64): '" + name + "'");
    }
    return name;
  }

  /** Builds a {@link TransformRegistry}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, Transform> transforms = new LinkedHashMap<>();

    Builder() {}

    /**
     * Registers {@code transform} under its {@link Transform#name()}.
     *
     * @throws IllegalArgumentException if the name is a built-in transform's, or was registered already
     */
    public Builder register(Transform transform) {
      Objects.requireNonNull(transform, "transform");
      String name = checkName(transform.name());
      if (Builtins.NAMES.contains(name)) {
        throw new IllegalArgumentException("'" + name + "' is a built-in transform; register yours under another name");
      }
      if (transforms.putIfAbsent(name, transform) != null) {
        throw new IllegalArgumentException("a transform named '" + name + "' was already registered");
      }
      return this;
    }

    public TransformRegistry build() {
      return transforms.isEmpty() ? EMPTY : new TransformRegistry(transforms);
    }
  }
}
