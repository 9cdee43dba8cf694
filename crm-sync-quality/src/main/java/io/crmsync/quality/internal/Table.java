package io.crmsync.quality.internal;

import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.FieldRole;
import io.crmsync.quality.RecordSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

  /**
   * Per record, the generational suffix of its name ({@link Normalize#generation}: jr, sr, iii, iv), or
   * {@code null} when no record has one. Two records whose suffixes differ are two people (a father and
   * son at a family business), however alike the rest.
   */
  final @Nullable String @Nullable [] generations;

  /** The columns and comparison one schema field yields, built independently of the other fields. */
  private record Part(RecordSchema.Field field, List<Column> columns, @Nullable Comparison comparison,
      @Nullable String[] roleMailboxes) {}

  public Table(DedupeRecord[] sortedRecords, RecordSchema schema, String defaultRegion) {
    this.records = sortedRecords;
    this.schema = schema;
    // fields are normalised and dictionary-encoded concurrently, then assembled in schema order
    List<RecordSchema.Field> phones = schema.fields().stream().filter(f -> f.role() == FieldRole.PHONE).toList();
    IntFunction<String> region = phoneRegions(defaultRegion);
    PhoneCache phoneCache = new PhoneCache(); // for the build only
    List<Part> parts = schema.fields().parallelStream()
        .map(f -> f.role() != FieldRole.PHONE || phones.size() == 1 ? build(f, region, phoneCache)
            : f == phones.get(0) ? phones(phones, region, phoneCache)
            : new Part(f, List.of(), null, null)) // compared with the first phone field
        .toList();
    parts = withNamesFromMailboxes(parts);
    generations = generations();
    for (Part part : parts) {
      for (Column c : part.columns()) {
        columns.put(c.name(), c);
      }
      if (part.roleMailboxes() != null) {
        roleMailboxes.put(part.field().name(), part.roleMailboxes());
      }
      if (part.comparison() instanceof Comparison.Name name) {
        if (name.canonical != null) {
          givenNames.add(name.canonical);
          givenRaw.add(name.column);
        } else {
          familyNames.add(name.column);
        }
      }
      if (part.field().role() == FieldRole.FULL_NAME) {
        Column first = part.columns().get(0);
        Column canon = part.columns().get(1);
        Column last = part.columns().get(2);
        givenNames.add(canon);
        givenRaw.add(first);
        familyNames.add(last);
        comparisons.add(new Comparison.Name(first.name(), first, canon));
        comparisons.add(new Comparison.Name(last.name(), last, null));
      } else if (part.comparison() != null) {
        comparisons.add(part.comparison());
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
    Comparison.Name[] nameComparisons = comparisons.stream().filter(c -> c instanceof Comparison.Name)
        .toArray(Comparison.Name[]::new);
    for (Comparison c : comparisons) {
      if (c instanceof Comparison.Email email) {
        email.names = nameComparisons;
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

  private @Nullable String @Nullable [] generations() {
    List<String> fields = schema.fields().stream()
        .filter(f -> f.role() == FieldRole.FIRST_NAME || f.role() == FieldRole.LAST_NAME
            || f.role() == FieldRole.FULL_NAME)
        .map(RecordSchema.Field::name).toList();
    if (fields.isEmpty()) {
      return null;
    }
    @Nullable String[] out = new String[records.length];
    boolean any = IntStream.range(0, records.length).parallel().map(i -> {
      for (String f : fields) {
        String g = Normalize.generation(records[i].get(f));
        if (g != null) {
          out[i] = g;
          return 1;
        }
      }
      return 0;
    }).sum() > 0;
    return any ? out : null;
  }

  /** The generational suffix of record {@code i}'s name, or {@code null}. */
  @Nullable String generation(int i) {
    @Nullable String[] g = generations;
    return g == null ? null : g[i];
  }

  /** Whether both records' names carry a generational suffix and the two differ (Jr. and Sr.). */
  boolean generationsDiffer(int i, int j) {
    @Nullable String[] g = generations;
    return g != null && g[i] != null && g[j] != null && !g[i].equals(g[j]);
  }

  /**
   * Phone numbers by region and spelling, for one table. Parsing is the dearest normalisation
   * (libphonenumber, about 9 us a number), and colleagues write their switchboard number alike: on the
   * synthetic contacts 45% of the numbers repeat a spelling parsed before.
   */
  private static final class PhoneCache {
    /** Stands for a spelling that is no number (a map cannot hold null). */
    private static final String NONE = "";
    private final Map<String, ConcurrentHashMap<String, String>> byRegion = new ConcurrentHashMap<>();

    @Nullable String phone(@Nullable String raw, String region) {
      if (raw == null) {
        return null;
      }
      String v = byRegion.computeIfAbsent(region, r -> new ConcurrentHashMap<>())
          .computeIfAbsent(raw, r -> {
            String p = Normalize.phone(r, region);
            return p == null ? NONE : p;
          });
      return v.isEmpty() ? null : v;
    }
  }

  /**
   * Per record, the region its phone numbers without a country code are read in: its {@link
   * FieldRole#COUNTRY} where it names one libphonenumber knows, else {@code defaultRegion}.
   */
  private IntFunction<String> phoneRegions(String defaultRegion) {
    String field = schema.fieldFor(FieldRole.COUNTRY);
    if (field == null || schema.fieldFor(FieldRole.PHONE) == null) {
      return i -> defaultRegion;
    }
    String[] regions = new String[records.length];
    IntStream.range(0, records.length).parallel().forEach(i -> {
      String code = Normalize.country(records[i].get(field));
      regions[i] = code != null && Normalize.isPhoneRegion(code) ? code : defaultRegion;
    });
    return i -> regions[i];
  }

  private Part build(RecordSchema.Field f, IntFunction<String> region, PhoneCache phoneCache) {
    int n = records.length;
    String name = f.name();
    switch (f.role()) {
      case EMAIL -> {
        @Nullable String[] all = normalize(n, i -> Normalize.email(records[i].get(name)));
        @Nullable String[] role = new String[n];
        @Nullable String[] local = new String[n];
        @Nullable String[] domain = new String[n];
        for (int i = 0; i < n; i++) {
          String e = all[i];
          if (e != null && Normalize.isRoleMailbox(e)) {
            role[i] = e;
            all[i] = null;
          } else if (e != null) {
            local[i] = Normalize.emailLocal(e);
            domain[i] = e.substring(local[i].length() + 1);
          }
        }
        Column email = new Column(name, all);
        Column localColumn = new Column(name + ".local", local);
        Column domainColumn = new Column(name + ".domain", domain);
        return new Part(f, List.of(email, localColumn, domainColumn),
            new Comparison.Email(name, email, localColumn, domainColumn), role);
      }
      case PHONE -> {
        Column c = new Column(name, normalize(n, i -> phoneCache.phone(records[i].get(name), region.apply(i))));
        return new Part(f, List.of(c), new Comparison.Code(name, c, true, "one-digit"), null);
      }
      case FIRST_NAME -> {
        @Nullable String[] values = normalize(n, i -> Normalize.name(records[i].get(name)));
        Column c = new Column(name, values);
        Column k = new Column(name + ".canon", canonical(values));
        return new Part(f, List.of(c, k), new Comparison.Name(name, c, k), null);
      }
      case LAST_NAME -> {
        Column c = new Column(name, normalize(n, i -> Normalize.name(records[i].get(name))));
        return new Part(f, List.of(c), new Comparison.Name(name, c, null), null);
      }
      case FULL_NAME -> {
        @Nullable String[] first = new String[n];
        @Nullable String[] last = new String[n];
        IntStream.range(0, n).parallel().forEach(i -> {
          @Nullable String[] parts = Normalize.fullName(records[i].get(name));
          first[i] = parts[0];
          last[i] = parts[1];
        });
        return new Part(f, List.of(new Column(name + ".first", first),
            new Column(name + ".first.canon", canonical(first)), new Column(name + ".last", last)), null, null);
      }
      case COMPANY -> {
        Column c = new Column(name, normalize(n, i -> Normalize.company(records[i].get(name))));
        return new Part(f, List.of(c), new Comparison.Text(name, c, true), null);
      }
      case CITY, TEXT, CATEGORY -> {
        Column c = new Column(name, normalize(n, i -> Normalize.text(records[i].get(name))));
        Comparison cmp = f.role() == FieldRole.CATEGORY ? new Comparison.Category(name, c)
            : new Comparison.Text(name, c, f.role() == FieldRole.CITY);
        return new Part(f, List.of(c), cmp, null);
      }
      case ADDRESS -> {
        Column c = new Column(name, normalize(n, i -> Normalize.address(records[i].get(name))));
        return new Part(f, List.of(c), new Comparison.Text(name, c, true), null);
      }
      case POSTCODE, IDENTIFIER -> {
        Column c = new Column(name, normalize(n, i -> Normalize.compact(records[i].get(name))));
        return new Part(f, List.of(c), new Comparison.Code(name, c, f.role() == FieldRole.POSTCODE, "one-edit"), null);
      }
      case DATE -> {
        Column c = new Column(name, normalize(n, i -> Normalize.date(records[i].get(name))));
        return new Part(f, List.of(c), new Comparison.Date(name, c), null);
      }
      default -> {
        return new Part(f, List.of(), null, null); // UPDATED_AT, SOURCE: not compared
      }
    }
  }

  /**
   * The parts with the given or family name that a record lacks filled in from its mailbox where the
   * mailbox spells it beside the name the record has ({@link Normalize#nameFromMailbox}): web forms and
   * imports often keep only one name and the email. For comparison only; the records are unchanged and
   * explanations mark such names.
   */
  private List<Part> withNamesFromMailboxes(List<Part> parts) {
    int given = -1;
    int family = -1;
    int email = -1;
    for (int k = 0; k < parts.size(); k++) {
      FieldRole role = parts.get(k).field().role();
      if (role == FieldRole.FIRST_NAME && given < 0) {
        given = k;
      } else if (role == FieldRole.LAST_NAME && family < 0) {
        family = k;
      } else if (role == FieldRole.EMAIL && email < 0) {
        email = k;
      }
    }
    if (given < 0 || family < 0 || email < 0) {
      return parts;
    }
    Column g = parts.get(given).columns().get(0);
    Column f = parts.get(family).columns().get(0);
    Column local = parts.get(email).columns().get(1);
    int n = records.length;
    @Nullable String[] gv = new String[n];
    @Nullable String[] fv = new String[n];
    boolean[] givenFromMailbox = new boolean[n];
    boolean[] familyFromMailbox = new boolean[n];
    IntStream.range(0, n).parallel().forEach(i -> {
      gv[i] = g.get(i);
      fv[i] = f.get(i);
      String l = local.get(i);
      String name = l == null ? null : Normalize.nameFromMailbox(l, gv[i], fv[i]);
      if (name != null && gv[i] == null) {
        gv[i] = name;
        givenFromMailbox[i] = true;
      } else if (name != null) {
        fv[i] = name;
        familyFromMailbox[i] = true;
      }
    });
    if (!IntStream.range(0, n).anyMatch(i -> givenFromMailbox[i] || familyFromMailbox[i])) {
      return parts;
    }
    List<Part> out = new ArrayList<>(parts);
    Column gc = new Column(g.name(), gv);
    Column gk = new Column(g.name() + ".canon", canonical(gv));
    Comparison.Name gn = new Comparison.Name(g.name(), gc, gk);
    gn.fromMailbox = givenFromMailbox;
    out.set(given, new Part(parts.get(given).field(), List.of(gc, gk), gn, null));
    Column fc = new Column(f.name(), fv);
    Comparison.Name fn = new Comparison.Name(f.name(), fc, null);
    fn.fromMailbox = familyFromMailbox;
    out.set(family, new Part(parts.get(family).field(), List.of(fc), fn, null));
    return out;
  }

  /**
   * Several phone fields (phone, mobile, home ...) as one comparison: a contact's numbers in one
   * dictionary, each record's distinct numbers packed into the first slots, so a number given as the
   * mobile in one record and as the phone in another agrees. Named after the first field.
   */
  private Part phones(List<RecordSchema.Field> fields, IntFunction<String> region, PhoneCache phoneCache) {
    int n = records.length;
    int k = fields.size();
    @Nullable String[] values = new String[n * k];
    IntStream.range(0, n).parallel().forEach(i -> {
      int slot = 0;
      for (RecordSchema.Field f : fields) {
        String v = phoneCache.phone(records[i].get(f.name()), region.apply(i));
        boolean seen = false;
        for (int s = 0; s < slot && !seen; s++) {
          seen = v != null && v.equals(values[s * n + i]);
        }
        if (v != null && !seen) {
          values[slot++ * n + i] = v;
        }
      }
    });
    RecordSchema.Field first = fields.get(0);
    Column c = new Column(first.name(), values);
    return new Part(first, List.of(c), new Comparison.Code(first.name(), c, true, "one-digit", k), null);
  }

  private static @Nullable String[] canonical(@Nullable String[] values) {
    @Nullable String[] canon = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      canon[i] = Normalize.givenNameCanonical(values[i]);
    }
    return canon;
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

  /**
   * Whether a local part shared by records {@code i} and {@code j} says nothing their names have not
   * already said: it contains a family or given name (3+ letters) of either record, and each name it
   * contains is present in both records, so the name comparisons have weighed it. When one record lacks
   * the name the local part spells ({@code bsteholber@} beside a record without a family name),
   * the local part is the only evidence of that name and keeps its weight.
   */
  boolean nameDerived(@Nullable String local, int i, int j) {
    if (local == null) {
      return false;
    }
    int found = containedNames(familyNames, local, i, j);
    int given = containedNames(givenRaw, local, i, j);
    return found >= 0 && given >= 0 && found + given > 0;
  }

  /**
   * How many of {@code columns} have a value of {@code i} or {@code j} inside {@code local}, or -1 if
   * such a value is missing from the other record.
   */
  private static int containedNames(List<Column> columns, String local, int i, int j) {
    int found = 0;
    for (Column c : columns) {
      boolean inI = contains(local, c.get(i));
      boolean inJ = contains(local, c.get(j));
      if (inI || inJ) {
        if (!c.present(i) || !c.present(j)) {
          return -1;
        }
        found++;
      }
    }
    return found;
  }

  private static boolean contains(String local, @Nullable String name) {
    return name != null && name.length() >= 3 && local.contains(name.replace(" ", ""));
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
