package io.crmsync.benchmarks.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import no.priv.garshol.duke.Cleaner;
import no.priv.garshol.duke.Comparator;
import no.priv.garshol.duke.ConfigurationImpl;
import no.priv.garshol.duke.Property;
import no.priv.garshol.duke.PropertyImpl;
import no.priv.garshol.duke.RecordImpl;
import no.priv.garshol.duke.comparators.DiceCoefficientComparator;
import no.priv.garshol.duke.comparators.ExactComparator;
import no.priv.garshol.duke.comparators.JaroWinkler;
import no.priv.garshol.duke.comparators.JaroWinklerTokenized;
import no.priv.garshol.duke.comparators.Levenshtein;
import no.priv.garshol.duke.comparators.PersonNameComparator;
import no.priv.garshol.duke.comparators.QGramComparator;
import no.priv.garshol.duke.comparators.WeightedLevenshtein;
import no.priv.garshol.duke.databases.LuceneDatabase;

/**
 * One Duke 1.2 configuration, as a Duke user writes it in XML: the properties with their comparator,
 * low and high probabilities and whether Lucene looks them up, the threshold, the Lucene settings, and
 * which of {@link DukeCleaners} clean the input. Immutable; the {@code with...} methods make variants for
 * tuning.
 *
 * @param threshold Duke's match threshold
 * @param maxSearchHits Lucene candidates per record (Duke's {@code max-search-hits})
 * @param minRelevance Lucene score below which candidates are dropped ({@code min-relevance})
 * @param fuzzy Lucene fuzzy term queries ({@code fuzzy-search}, on by default in 1.2)
 * @param properties the compared properties, besides the id
 * @param nicknames feed the formal names a given name may be short for as extra values
 * @param dropRoleMailboxes empty role mailboxes (info@ ...) instead of comparing them
 * @param phoneDigits how many trailing digits of a phone to compare
 */
record DukeSetup(double threshold, int maxSearchHits, float minRelevance, boolean fuzzy, List<Prop> properties,
    boolean nicknames, boolean dropRoleMailboxes, int phoneDigits) {

  /** The id property's name. */
  static final String ID = "ID";

  /**
   * A compared property.
   *
   * @param name FIRST, LAST, NAME (given and surname together), EMAIL, COMPANY, PHONE, CITY, TITLE or STATE
   * @param comparator exact, jw (Jaro-Winkler), jwt (tokenized), lev (Levenshtein), wlev (weighted),
   *     qgram, dice or pname (PersonNameComparator)
   * @param low probability of a match when the values differ
   * @param high probability of a match when they agree
   * @param lookup whether Lucene searches this property for candidates
   */
  record Prop(String name, String comparator, double low, double high, boolean lookup) {
    Prop {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(comparator, "comparator");
    }

    Prop withLow(double v) {
      return new Prop(name, comparator, v, high, lookup);
    }

    Prop withHigh(double v) {
      return new Prop(name, comparator, low, v, lookup);
    }

    Prop withComparator(String v) {
      return new Prop(name, v, low, high, lookup);
    }

    Prop withLookup(boolean v) {
      return new Prop(name, comparator, low, high, v);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%-7s %-5s low %.2f high %.2f%s", name, comparator, low, high,
          lookup ? " lookup" : "");
    }
  }

  DukeSetup {
    properties = List.copyOf(properties);
  }

  DukeSetup withThreshold(double v) {
    return new DukeSetup(v, maxSearchHits, minRelevance, fuzzy, properties, nicknames, dropRoleMailboxes, phoneDigits);
  }

  DukeSetup withSearch(int hits, float relevance, boolean fuzzySearch) {
    return new DukeSetup(threshold, hits, relevance, fuzzySearch, properties, nicknames, dropRoleMailboxes, phoneDigits);
  }

  DukeSetup withCleaning(boolean nick, boolean roles, int digits) {
    return new DukeSetup(threshold, maxSearchHits, minRelevance, fuzzy, properties, nick, roles, digits);
  }

  DukeSetup withProperties(List<Prop> v) {
    return new DukeSetup(threshold, maxSearchHits, minRelevance, fuzzy, v, nicknames, dropRoleMailboxes, phoneDigits);
  }

  /** This setup with the named property replaced, added (if absent) or, if {@code p} is null, removed. */
  DukeSetup withProperty(String name, @org.jspecify.annotations.Nullable Prop p) {
    List<Prop> out = new ArrayList<>();
    boolean seen = false;
    for (Prop q : properties) {
      if (q.name().equals(name)) {
        seen = true;
        if (p != null) {
          out.add(p);
        }
      } else {
        out.add(q);
      }
    }
    if (!seen && p != null) {
      out.add(p);
    }
    return withProperties(out);
  }

  @org.jspecify.annotations.Nullable Prop property(String name) {
    for (Prop p : properties) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  /** Duke's configuration, with a fresh in-memory Lucene database. */
  ConfigurationImpl configuration() {
    ConfigurationImpl c = new ConfigurationImpl();
    // before setProperties, which derives the lookup set from the threshold
    c.setThreshold(threshold);
    List<Property> props = new ArrayList<>();
    props.add(new PropertyImpl(ID));
    for (Prop p : properties) {
      PropertyImpl q = new PropertyImpl(p.name(), comparator(p.comparator()), p.low(), p.high());
      q.setLookupBehaviour(p.lookup() ? Property.Lookup.TRUE : Property.Lookup.FALSE);
      props.add(q);
    }
    c.setProperties(props);
    LuceneDatabase db = new LuceneDatabase();
    db.setMaxSearchHits(maxSearchHits);
    db.setMinRelevance(minRelevance);
    db.setFuzzySearch(fuzzy);
    c.setDatabase(db);
    c.validate();
    return c;
  }

  static Comparator comparator(String name) {
    return switch (name) {
      case "exact" -> new ExactComparator();
      case "jw" -> new JaroWinkler();
      case "jwt" -> new JaroWinklerTokenized();
      case "lev" -> new Levenshtein();
      case "wlev" -> new WeightedLevenshtein();
      case "qgram" -> new QGramComparator();
      case "dice" -> {
        DiceCoefficientComparator d = new DiceCoefficientComparator();
        d.setComparator(new JaroWinkler());
        yield d;
      }
      case "pname" -> new PersonNameComparator();
      default -> throw new IllegalArgumentException("unknown comparator " + name);
    };
  }

  /** The Duke record for a row: the id, then each configured property's cleaned values. */
  RecordImpl record(DukeRow row) {
    RecordImpl r = new RecordImpl();
    r.addValue(ID, row.id());
    Cleaner email = DukeCleaners.email(dropRoleMailboxes);
    Cleaner phone = DukeCleaners.phone(phoneDigits);
    for (Prop p : properties) {
      switch (p.name()) {
        case "FIRST" -> {
          for (String v : row.values("FIRST")) {
            for (String g : DukeCleaners.givenNameValues(DukeCleaners.GIVEN.clean(v), nicknames)) {
              r.addValue("FIRST", g);
            }
          }
        }
        case "NAME" -> {
          String given = String.join(" ", row.values("FIRST"));
          String sur = String.join(" ", row.values("LAST"));
          String g = DukeCleaners.GIVEN.clean(given);
          String s = DukeCleaners.SURNAME.clean(sur);
          add(r, "NAME", (g.isEmpty() ? "" : g.split(" ")[0] + " ") + s);
        }
        case "LAST" -> row.values("LAST").forEach(v -> add(r, "LAST", DukeCleaners.SURNAME.clean(v)));
        case "EMAIL" -> row.values("EMAIL").forEach(v -> add(r, "EMAIL", email.clean(v)));
        case "PHONE" -> row.values("PHONE").forEach(v -> add(r, "PHONE", phone.clean(v)));
        case "COMPANY" -> row.values("COMPANY").forEach(v -> add(r, "COMPANY", DukeCleaners.COMPANY.clean(v)));
        case "CITY" -> row.values("CITY").forEach(v -> add(r, "CITY", DukeCleaners.CITY.clean(v)));
        default -> row.values(p.name()).forEach(v -> add(r, p.name(), DukeCleaners.TEXT.clean(v)));
      }
    }
    return r;
  }

  private static void add(RecordImpl r, String prop, String value) {
    String v = value.trim();
    if (!v.isEmpty()) {
      r.addValue(prop, v);
    }
  }

  /** The configuration in a few lines, for the report. */
  String describe() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "threshold %.3f; Lucene in memory, max-search-hits %d, min-relevance %.2f,"
        + " fuzzy-search %s%n", threshold, maxSearchHits, minRelevance, fuzzy));
    for (Prop p : properties) {
      b.append("  ").append(p).append(" (cleaner ").append(cleanerOf(p.name())).append(")\n");
    }
    return b.toString();
  }

  private String cleanerOf(String name) {
    return switch (name) {
      case "FIRST" -> "given name: folded, middle initial dropped" + (nicknames ? ", + formal names of nicknames" : "");
      case "LAST" -> "surname: folded, punctuation closed up";
      case "NAME" -> "first given token + surname";
      case "EMAIL" -> "email: lower case, plus-tag and Gmail dots dropped" + (dropRoleMailboxes ? ", role mailboxes emptied" : "");
      case "PHONE" -> "phone: extension dropped, last " + phoneDigits + " digits";
      case "COMPANY" -> "company: folded, legal forms dropped";
      case "CITY" -> "city: folded, St/Ft spelt out, aliases";
      default -> "folded";
    };
  }

  /**
   * One input row for Duke: raw values by logical property (several values allowed, e.g. a phone and a
   * mobile column both feeding PHONE).
   */
  record DukeRow(String id, Map<String, List<String>> raw) {
    DukeRow {
      raw = Map.copyOf(raw);
    }

    List<String> values(String property) {
      return raw.getOrDefault(property, List.of());
    }
  }
}
