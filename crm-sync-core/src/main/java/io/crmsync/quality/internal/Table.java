package io.crmsync.quality.internal;

import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.FieldRole;
import io.crmsync.quality.RecordSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * The records, sorted by id, with every schema field normalised into {@link Column}s and the {@link
 * Comparison}s over them. Immutable after construction; thread-safe.
 */
public final class Table {
  final DedupeRecord[] records;
  final RecordSchema schema;
  /** Columns by key: field name, or field name plus a suffix for derived columns ({@code .canon}, {@code .local}). */
  final Map<String, Column> columns = new LinkedHashMap<>();
  final List<Comparison> comparisons = new ArrayList<>();
  /** Normalised role mailboxes by email field (they are missing in the email column). */
  final Map<String, @Nullable String[]> roleMailboxes = new LinkedHashMap<>();
  /** Columns that act as person names, in order (given name canonical first), for blocking. */
  final List<Column> givenNames = new ArrayList<>();
  /** Given names as written (normalised, not mapped through nicknames), parallel to givenNames. */
  final List<Column> givenRaw = new ArrayList<>();
  final List<Column> familyNames = new ArrayList<>();

  public Table(DedupeRecord[] sortedRecords, RecordSchema schema, String defaultRegion) {
    this.records = sortedRecords;
    this.schema = schema;
    int n = records.length;
    for (RecordSchema.Field f : schema.fields()) {
      String name = f.name();
      switch (f.role()) {
        case EMAIL -> {
          @Nullable String[] all = normalize(n, i -> Normalize.email(records[i].get(name)));
          @Nullable String[] role = new String[n];
          @Nullable String[] local = new String[n];
          for (int i = 0; i < n; i++) {
            String e = all[i];
            if (e != null && Normalize.isRoleMailbox(e)) {
              role[i] = e;
              all[i] = null;
            } else if (e != null) {
              local[i] = Normalize.emailLocal(e);
            }
          }
          Column email = add(name, all);
          Column localColumn = add(name + ".local", local);
          roleMailboxes.put(name, role);
          comparisons.add(new Comparison.Email(name, email, localColumn));
        }
        case PHONE -> comparisons.add(
            new Comparison.Code(name, add(name, normalize(n, i -> Normalize.phone(records[i].get(name), defaultRegion))), true, "one-digit"));
        case FIRST_NAME -> addGivenName(name, normalize(n, i -> Normalize.name(records[i].get(name))));
        case LAST_NAME -> addFamilyName(name, normalize(n, i -> Normalize.name(records[i].get(name))));
        case FULL_NAME -> {
          @Nullable String[] full = normalize(n, i -> Normalize.name(records[i].get(name)));
          @Nullable String[] first = new String[n];
          @Nullable String[] last = new String[n];
          for (int i = 0; i < n; i++) {
            String v = full[i];
            if (v != null) {
              int a = v.indexOf(' ');
              int b = v.lastIndexOf(' ');
              first[i] = a < 0 ? v : v.substring(0, a);
              last[i] = a < 0 ? null : v.substring(b + 1);
            }
          }
          addGivenName(name + ".first", first);
          addFamilyName(name + ".last", last);
        }
        case COMPANY -> comparisons.add(new Comparison.Text(name, add(name, normalize(n, i -> Normalize.company(records[i].get(name)))), true));
        case CITY -> comparisons.add(new Comparison.Text(name, add(name, normalize(n, i -> Normalize.text(records[i].get(name)))), true));
        case ADDRESS -> comparisons.add(new Comparison.Text(name, add(name, normalize(n, i -> Normalize.address(records[i].get(name)))), true));
        case TEXT -> comparisons.add(new Comparison.Text(name, add(name, normalize(n, i -> Normalize.text(records[i].get(name)))), false));
        case POSTCODE -> comparisons.add(new Comparison.Code(name, add(name, normalize(n, i -> Normalize.compact(records[i].get(name)))), true, "one-edit"));
        case IDENTIFIER -> comparisons.add(new Comparison.Code(name, add(name, normalize(n, i -> Normalize.compact(records[i].get(name)))), false, "one-edit"));
        case DATE -> comparisons.add(new Comparison.Date(name, add(name, normalize(n, i -> Normalize.date(records[i].get(name))))));
        case CATEGORY -> comparisons.add(new Comparison.Category(name, add(name, normalize(n, i -> Normalize.text(records[i].get(name))))));
        case UPDATED_AT, SOURCE -> {
          // not compared
        }
      }
    }
    if (!givenRaw.isEmpty() && !familyNames.isEmpty()) {
      for (Comparison c : comparisons) {
        if (c instanceof Comparison.Name name) {
          name.swapPartner = name.column == givenRaw.get(0) ? familyNames.get(0)
              : name.column == familyNames.get(0) ? givenRaw.get(0) : null;
        }
      }
    }
    boolean names = !familyNames.isEmpty() || !givenNames.isEmpty();
    for (Comparison c : comparisons) {
      c.identifying = c instanceof Comparison.Name || c instanceof Comparison.Date || c instanceof Comparison.Email
          || (c instanceof Comparison.Code && schemaRole(c.name) == FieldRole.IDENTIFIER)
          || (!names && (schemaRole(c.name) == FieldRole.COMPANY || schemaRole(c.name) == FieldRole.ADDRESS));
    }
    if (comparisons.size() > Comparison.MAX_COMPARISONS) {
      throw new IllegalArgumentException("at most " + Comparison.MAX_COMPARISONS
          + " compared fields are supported, the schema has " + comparisons.size());
    }
  }

  private void addGivenName(String name, @Nullable String[] values) {
    @Nullable String[] canon = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      canon[i] = Normalize.givenNameCanonical(values[i]);
    }
    Column c = add(name, values);
    Column k = add(name + ".canon", canon);
    givenNames.add(k);
    givenRaw.add(c);
    comparisons.add(new Comparison.Name(name, c, k));
  }

  private void addFamilyName(String name, @Nullable String[] values) {
    Column c = add(name, values);
    familyNames.add(c);
    comparisons.add(new Comparison.Name(name, c, null));
  }

  private Column add(String key, @Nullable String[] values) {
    Column c = new Column(key, values);
    columns.put(key, c);
    return c;
  }

  private static @Nullable String[] normalize(int n, IntFunction<@Nullable String> f) {
    @Nullable String[] out = new String[n];
    IntStream.range(0, n).parallel().forEach(i -> out[i] = f.apply(i));
    return out;
  }

  public int size() {
    return records.length;
  }

  private @Nullable FieldRole schemaRole(String field) {
    for (RecordSchema.Field f : schema.fields()) {
      if (f.name().equals(field)) {
        return f.role();
      }
    }
    return null;
  }

  public DedupeRecord record(int i) {
    return records[i];
  }

  /** The first column whose schema role is {@code role} (the primary column of that field). */
  @Nullable Column column(FieldRole role) {
    String name = schema.fieldFor(role);
    if (name == null) {
      return null;
    }
    return columns.get(name);
  }

  /** Whether an email local part contains the record's family name or given name (3+ letters). */
  boolean nameDerived(@Nullable String local, int record) {
    if (local == null) {
      return false;
    }
    for (Column c : familyNames) {
      String v = c.get(record);
      if (v != null && v.length() >= 3 && local.contains(v.replace(" ", ""))) {
        return true;
      }
    }
    for (Column c : givenRaw) {
      String v = c.get(record);
      if (v != null && v.length() >= 3 && local.contains(v.replace(" ", ""))) {
        return true;
      }
    }
    return false;
  }

  /** The role mailbox of {@code record} in the first email field, or {@code null}. */
  @Nullable String roleMailbox(int record) {
    for (@Nullable String[] r : roleMailboxes.values()) {
      if (r[record] != null) {
        return r[record];
      }
    }
    return null;
  }
}
