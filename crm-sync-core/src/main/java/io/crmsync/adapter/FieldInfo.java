package io.crmsync.adapter;

import io.crmsync.spi.Checks;
import java.util.List;
import java.util.Objects;

/**
 * One field of an object type, as the CRM describes it. Built with {@link #builder(String)}, so that
 * attributes added later do not break adapters written before them. Immutable and thread-safe.
 *
 * <pre>{@code
 * FieldInfo.builder("email").nativeName("Email").type("email").maxLength(80).build();
 * FieldInfo.builder("ownerId").nativeName("OwnerId").type("reference").reference(true).build();
 * }</pre>
 */
public final class FieldInfo {
  private final String name;
  private final String nativeName;
  private final String type;
  private final boolean required;
  private final boolean custom;
  private final boolean readOnly;
  private final boolean reference;
  private final int maxLength;
  private final List<String> picklistValues;

  private FieldInfo(Builder b) {
    this.name = b.name;
    this.nativeName = b.nativeName != null ? b.nativeName : b.name;
    this.type = b.type;
    this.required = b.required;
    this.custom = b.custom;
    this.readOnly = b.readOnly;
    this.reference = b.reference;
    this.maxLength = b.maxLength;
    this.picklistValues = List.copyOf(b.picklistValues);
  }

  /**
   * A builder for the field called {@code name} in {@link io.crmsync.model.CrmRecord#fields()}
   * (canonical for standard fields, the CRM's name for custom ones).
   *
   * @throws NullPointerException if {@code name} is null
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The name used in {@link io.crmsync.model.CrmRecord#fields()} (canonical for standard fields). */
  public String name() {
    return name;
  }

  /** The CRM's own name for it; {@link #name()} unless set. */
  public String nativeName() {
    return nativeName;
  }

  /** The CRM's type name, such as {@code string}, {@code email}, {@code datetime}; {@code string} unless set. */
  public String type() {
    return type;
  }

  /** Whether the CRM requires it on create. */
  public boolean required() {
    return required;
  }

  /** Whether it is a custom (user-defined) field. */
  public boolean custom() {
    return custom;
  }

  /** Whether the CRM computes it, so writes are refused. */
  public boolean readOnly() {
    return readOnly;
  }

  /**
   * Whether its value is the id of another record of this CRM (an owner, a lookup): meaningless in any
   * other system, so the engine never copies such a value from one system into another by default.
   */
  public boolean reference() {
    return reference;
  }

  /** The most characters a text value may have, or 0 when the CRM names no limit. */
  public int maxLength() {
    return maxLength;
  }

  /** The values a picklist field allows, or empty when any value is allowed. */
  public List<String> picklistValues() {
    return picklistValues;
  }

  /** Whether a value may be written to it. */
  public boolean writable() {
    return !readOnly;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldInfo f
        && name.equals(f.name)
        && nativeName.equals(f.nativeName)
        && type.equals(f.type)
        && required == f.required
        && custom == f.custom
        && readOnly == f.readOnly
        && reference == f.reference
        && maxLength == f.maxLength
        && picklistValues.equals(f.picklistValues);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, nativeName, type, required, custom, readOnly, reference, maxLength, picklistValues);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("FieldInfo{").append(name);
    if (!nativeName.equals(name)) {
      sb.append(" (").append(nativeName).append(')');
    }
    sb.append(": ").append(type);
    if (required) {
      sb.append(", required");
    }
    if (custom) {
      sb.append(", custom");
    }
    if (readOnly) {
      sb.append(", read-only");
    }
    if (reference) {
      sb.append(", reference");
    }
    if (maxLength > 0) {
      sb.append(", maxLength=").append(maxLength);
    }
    if (!picklistValues.isEmpty()) {
      sb.append(", values=").append(picklistValues);
    }
    return sb.append('}').toString();
  }

  /** Builds a {@link FieldInfo}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private String nativeName;
    private String type = "string";
    private boolean required;
    private boolean custom;
    private boolean readOnly;
    private boolean reference;
    private int maxLength;
    private List<String> picklistValues = List.of();

    Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("name must not be empty");
      }
    }

    public Builder nativeName(String nativeName) {
      this.nativeName = Objects.requireNonNull(nativeName, "nativeName");
      return this;
    }

    public Builder type(String type) {
      this.type = Objects.requireNonNull(type, "type");
      return this;
    }

    public Builder required(boolean required) {
      this.required = required;
      return this;
    }

    public Builder custom(boolean custom) {
      this.custom = custom;
      return this;
    }

    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    public Builder reference(boolean reference) {
      this.reference = reference;
      return this;
    }

    /** The most characters a text value may have; 0 (the default) for no limit. */
    public Builder maxLength(int maxLength) {
      this.maxLength = Checks.notNegative(maxLength, "maxLength");
      return this;
    }

    /** The values a picklist allows; empty (the default) for any. */
    public Builder picklistValues(List<String> picklistValues) {
      this.picklistValues = List.copyOf(picklistValues);
      return this;
    }

    public FieldInfo build() {
      return new FieldInfo(this);
    }
  }
}
