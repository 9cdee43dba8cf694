package io.crmsync.quality.internal;

import io.crmsync.quality.ComparisonDetail;
import io.crmsync.quality.FieldRole;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.PairExplanation;
import io.crmsync.quality.RulesConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The rules recipe over candidate pairs: same normalised email (role mailboxes excluded), or full name
 * and company both at least the Jaro-Winkler threshold. Scores are 1 (match) or 0. A pair conflicts
 * when both given names are present, are not nicknames of each other, and are less than 0.7 similar:
 * that stops a shared address from chaining different people together. Immutable; thread-safe.
 */
public final class RulesModel implements PairModel {
  static final double CONFLICT_SIMILARITY = 0.7;

  private final Table table;
  private final RulesConfig config;
  private final List<Comparison.Email> emails = new ArrayList<>();
  private final @Nullable Column given;
  private final @Nullable Column givenCanonical;
  private final @Nullable Column family;
  private final @Nullable Column company;

  public RulesModel(Table table, RulesConfig config) {
    this.table = table;
    this.config = config;
    for (Comparison c : table.comparisons) {
      if (c instanceof Comparison.Email e) {
        emails.add(e);
      }
    }
    String givenField = null;
    for (Comparison c : table.comparisons) {
      if (c instanceof Comparison.Name && table.givenNames.contains(table.columns.get(c.name + ".canon"))) {
        givenField = c.name;
        break;
      }
    }
    this.given = givenField == null ? null : table.columns.get(givenField);
    this.givenCanonical = table.givenNames.isEmpty() ? null : table.givenNames.get(0);
    this.family = table.familyNames.isEmpty() ? null : table.familyNames.get(0);
    this.company = table.column(FieldRole.COMPANY);
  }

  private @Nullable String fullName(int i) {
    String g = given == null ? null : given.get(i);
    String f = family == null ? null : family.get(i);
    if (g == null) {
      return f;
    }
    return f == null ? g : g + " " + f;
  }

  private boolean emailMatch(int i, int j) {
    if (!config.exactEmail()) {
      return false;
    }
    for (Comparison.Email e : emails) {
      if (e.level(i, j) == e.exactLevel()) {
        return true;
      }
    }
    return false;
  }

  private double nameSimilarity(int i, int j) {
    String a = fullName(i);
    String b = fullName(j);
    return a == null || b == null ? -1 : JaroWinkler.similarity(a, b);
  }

  private double companySimilarity(int i, int j) {
    if (company == null) {
      return -1;
    }
    String a = company.get(i);
    String b = company.get(j);
    return a == null || b == null ? -1 : JaroWinkler.similarity(a, b);
  }

  private boolean fuzzyMatch(double name, double company) {
    double t = config.jaroWinklerThreshold();
    if (given == null && family == null) {
      return company >= t; // organisations: the company name alone
    }
    if (name < t) {
      return false;
    }
    return company >= t || (company < 0 && (this.company == null || !config.requireCompany()));
  }

  @Override
  public double score(int i, int j) {
    if (emailMatch(i, j)) {
      return 1;
    }
    return fuzzyMatch(nameSimilarity(i, j), companySimilarity(i, j)) ? 1 : 0;
  }

  @Override
  public double threshold() {
    return 0.5;
  }

  @Override
  public double conflictMean() {
    return Double.NEGATIVE_INFINITY;
  }

  @Override
  public boolean conflicts(int i, int j, double score) {
    if (given == null || givenCanonical == null || !given.present(i) || !given.present(j)) {
      return false;
    }
    if (givenCanonical.id(i) == givenCanonical.id(j)) {
      return false;
    }
    return JaroWinkler.similarity(given.get(i), given.get(j)) < CONFLICT_SIMILARITY;
  }

  @Override
  public PairExplanation explain(int i, int j) {
    List<ComparisonDetail> details = new ArrayList<>();
    boolean emailMatch = emailMatch(i, j);
    for (Comparison.Email e : emails) {
      int level = e.level(i, j);
      String note = level < 0 && (table.roleMailbox(i) != null || table.roleMailbox(j) != null)
          ? "role mailbox ignored" : "";
      details.add(new ComparisonDetail(e.name, e.display(i), e.display(j),
          level < 0 ? "missing" : level == e.exactLevel() ? "exact" : "different", level == e.exactLevel() ? 1 : 0, note));
    }
    double name = nameSimilarity(i, j);
    double comp = companySimilarity(i, j);
    String t = String.format(Locale.ROOT, "%.2f", config.jaroWinklerThreshold());
    details.add(new ComparisonDetail("name", fullName(i), fullName(j),
        name < 0 ? "missing" : name >= config.jaroWinklerThreshold() ? "jw>=" + t : "jw<" + t, Math.max(name, 0), ""));
    if (company != null) {
      details.add(new ComparisonDetail(company.name(), company.get(i), company.get(j),
          comp < 0 ? "missing" : comp >= config.jaroWinklerThreshold() ? "jw>=" + t : "jw<" + t, Math.max(comp, 0), ""));
    }
    boolean fuzzy = fuzzyMatch(name, comp);
    boolean match = emailMatch || fuzzy;
    String reason = emailMatch ? "same email" : fuzzy ? "name and company similar" : "no rule matched";
    return new PairExplanation(table.record(i).id(), table.record(j).id(), MatchMode.RULES, details, 0,
        match ? 1 : 0, match ? 1 : 0, match, reason);
  }

  @Override
  public String describe() {
    return "rules: " + config;
  }
}
