package io.crmsync.gateway;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.fieldmapping.FieldMapping;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One CRM a {@link CrmGateway} delivers to: its adapter, the {@link FieldMapping} per object type that turns
 * the host's records into the target's, and the field each object type is matched on. Built with {@link
 * #builder}; immutable and thread-safe.
 *
 * <pre>{@code
 * Target.builder(salesforce).mapping(FieldMapping.load(Path.of("contact-to-salesforce.yaml"))).build();
 * }</pre>
 */
public final class Target {
  private final String name;
  private final CRMAdapter adapter;
  private final Map<String, FieldMapping> mappings;
  private final Map<String, MatchKey> matchKeys;

  private Target(Builder b) {
    this.name = b.name != null ? b.name : b.adapter.id();
    this.adapter = b.adapter;
    this.mappings = Map.copyOf(b.mappings);
    this.matchKeys = Map.copyOf(b.matchKeys);
  }

  /**
   * A builder for a target written through {@code adapter}, named after its {@link CRMAdapter#id()}.
   *
   * @throws NullPointerException if {@code adapter} is null
   */
  public static Builder builder(CRMAdapter adapter) {
    return new Builder(adapter);
  }

  /** The target's name: its queue, its status and its dead letters go by it. */
  public String name() {
    return name;
  }

  public CRMAdapter adapter() {
    return adapter;
  }

  /** The mapping of the host's {@code objectType}: the configured one, or {@link FieldMapping#defaults}. */
  public FieldMapping mapping(String objectType) {
    FieldMapping m = mappings.get(objectType);
    return m != null ? m : FieldMapping.defaults(objectType);
  }

  /** The field the target matches records of {@code objectType} on (its own name); the email unless set. */
  public MatchKey matchKey(String objectType) {
    return matchKeys.getOrDefault(objectType, MatchKey.email());
  }

  @Override
  public String toString() {
    return "Target{" + name + ", mappings=" + mappings.keySet() + "}";
  }

  /** Builds a {@link Target}. Not thread-safe. */
  public static final class Builder {
    private final CRMAdapter adapter;
    private @org.jspecify.annotations.Nullable String name;
    private final Map<String, FieldMapping> mappings = new LinkedHashMap<>();
    private final Map<String, MatchKey> matchKeys = new LinkedHashMap<>();

    Builder(CRMAdapter adapter) {
      this.adapter = Objects.requireNonNull(adapter, "adapter");
    }

    /**
     * The target's name, unique in its gateway: letters, digits, {@code -} and {@code _}. The adapter's id
     * unless set; set it to write to two accounts of one CRM.
     *
     * @throws IllegalArgumentException if it has other characters or is empty
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new IllegalArgumentException("target name must be 1-64 letters, digits, - or _: " + name);
      }
      this.name = name;
      return this;
    }

    /**
     * Maps the host's records of {@code mapping.sourceObjectType()} with {@code mapping}.
     *
     * @throws IllegalStateException if a mapping for that object type was already set
     */
    public Builder mapping(FieldMapping mapping) {
      Objects.requireNonNull(mapping, "mapping");
      if (mappings.putIfAbsent(mapping.sourceObjectType(), mapping) != null) {
        throw new IllegalStateException("a mapping for " + mapping.sourceObjectType() + " was already set");
      }
      return this;
    }

    /** Matches records of {@code objectType} (the host's type) on {@code key}, a field of the target's. */
    public Builder matchKey(String objectType, MatchKey key) {
      matchKeys.put(Objects.requireNonNull(objectType, "objectType"), Objects.requireNonNull(key, "key"));
      return this;
    }

    public Target build() {
      return new Target(this);
    }
  }
}
