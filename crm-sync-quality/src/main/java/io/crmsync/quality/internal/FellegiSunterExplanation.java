package io.crmsync.quality.internal;

import io.crmsync.quality.ComparisonDetail;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.PairExplanation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Explains a {@link FellegiSunter} model: one pair comparison by comparison, or the whole model in words. */
final class FellegiSunterExplanation {
  private FellegiSunterExplanation() {}

  /** Each comparison of the pair with its level, weight and where the weight comes from. */
  static PairExplanation explain(FellegiSunter f, int i, int j) {
    Table table = f.table;
    Comparison[] comparisons = f.comparisons;
    int anchor = f.anchor;
    double priorWeight = f.priorWeight;
    List<ComparisonDetail> details = new ArrayList<>();
    double total = priorWeight;
    int anchorLevel = anchor >= 0 ? comparisons[anchor].level(i, j) : -1;
    boolean given = anchor >= 0 && FellegiSunter.anchorAgrees(comparisons[anchor], anchorLevel);
    boolean apart = anchorLevel == 0;
    for (int k = 0; k < comparisons.length; k++) {
      Comparison c = comparisons[k];
      int level = c.level(i, j);
      String a = c.display(i);
      String b = c.display(j);
      if (level < 0) {
        String note = "";
        if (c instanceof Comparison.Email) {
          String ra = table.roleMailbox(i);
          String rb = table.roleMailbox(j);
          if (ra != null || rb != null) {
            note = "role mailbox ignored: " + (ra != null ? ra : "") + (ra != null && rb != null ? ", " : "")
                + (rb != null ? rb : "");
          }
        }
        details.add(new ComparisonDetail(c.name, a, b, "missing", 0, note));
        continue;
      }
      double w = f.levelWeight(k, level, i, j, anchorLevel);
      boolean context = given && f.weightGiven[k] != null;
      boolean colleagues = level == 1 && !Double.isNaN(f.colleagueMailbox[k]) && given;
      String note = context
          ? String.format(Locale.ROOT, "m=%.4f u=%.4f among records that share the %s", f.m[k][level],
              f.uGiven[k][level], comparisons[anchor].name)
          : colleagues
          ? String.format(Locale.ROOT, "m=%.4f u=%.4f among records that share the %s: two mailboxes, two people",
              f.m[k][level], f.colleagueMailbox[k], comparisons[anchor].name)
          : apart && f.mApart[k] != null
          ? String.format(Locale.ROOT, "m=%.4f among matches whose %s differs, u=%.4f", f.mApart[k][level],
              comparisons[anchor].name, f.u[k][level])
          : String.format(Locale.ROOT, "m=%.4f u=%.4f", f.m[k][level], f.u[k][level]);
      if (level == c.exactLevel() && f.tfAdjustment[k] != null) {
        note += String.format(Locale.ROOT, ", term frequency %.5f adjusts by %+.2f",
            c.column.frequencyOf(c.agreedId(i, j)), f.tfAdjustment[k][c.agreedId(i, j)]);
      }
      if (k == f.contact.family && level == c.exactLevel() && f.relativesAt(i, anchorLevel) > 0) {
        note += String.format(Locale.ROOT, "; at one %s, relatives share it in %.4f of pairs of different people",
            comparisons[anchor].name, f.relativesAt(i, anchorLevel));
      }
      if (level == c.weakLevel && c.weakLevelColumn != null && !context
          && table.nameDerived(c.weakLevelColumn.get(i), i, j)) {
        note += ", made of names both records have: weighed by the name comparisons";
      }
      details.add(new ComparisonDetail(c.name, a, b, c.labels[level], w, note));
      total += w;
    }
    if (f.contact.generationsDiffer(i, j)) {
      details.add(new ComparisonDetail("generation", table.generation(i), table.generation(j), "disagree",
          ContactEvidence.GENERATIONS_DIFFER,
          "generational suffixes differ: two people (a father and son, say), whatever else agrees"));
      total += ContactEvidence.GENERATIONS_DIFFER;
    }
    double probability = 1 / (1 + Math.pow(2, -total));
    boolean match = total >= f.threshold();
    String reason = String.format(Locale.ROOT, "log2 odds %.2f (prior %.2f) %s threshold %.2f: %s",
        total, priorWeight, match ? ">=" : "<", f.threshold(), match ? "match" : "no match");
    return new PairExplanation(table.record(i).id(), table.record(j).id(), MatchMode.PROBABILISTIC, details,
        priorWeight, total, probability, match, reason);
  }

  /** The estimated parameters in words. */
  static String describe(FellegiSunter f) {
    Comparison[] comparisons = f.comparisons;
    int anchor = f.anchor;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "EM: %d iterations over %d candidate pairs (%.3f matches), u from %d random pairs; prior over all"
            + " pairs %.3g (%.2f bits)%n",
        f.fit.iterations(), f.fit.sampledPairs(), f.fit.candidateShare(), f.fit.randomPairs(),
        f.fit.lambda(), f.priorWeight));
    for (int k = 0; k < comparisons.length; k++) {
      Comparison c = comparisons[k];
      b.append("  ").append(c.name).append(':');
      for (int l = c.levels() - 1; l >= 0; l--) {
        b.append(String.format(Locale.ROOT, " %s m=%.3f u=%.4f w=%+.2f;", c.labels[l], f.m[k][l], f.u[k][l], f.weight[k][l]));
      }
      b.append(System.lineSeparator());
      if (f.weightGiven[k] != null) {
        b.append("    given the same ").append(comparisons[anchor].name).append(':');
        for (int l = c.levels() - 1; l >= 0; l--) {
          b.append(String.format(Locale.ROOT, " %s u=%.4f w=%+.2f;", c.labels[l], f.uGiven[k][l], f.weightGiven[k][l]));
        }
        b.append(System.lineSeparator());
      }
      if (f.weightApart[k] != null) {
        b.append("    given another ").append(comparisons[anchor].name).append(':');
        for (int l = c.levels() - 1; l >= 0; l--) {
          b.append(String.format(Locale.ROOT, " %s m=%.3f w=%+.2f;", c.labels[l], f.mApart[k][l], f.weightApart[k][l]));
        }
        b.append(System.lineSeparator());
      }
      if (!Double.isNaN(f.colleagueMailbox[k])) {
        b.append(String.format(Locale.ROOT, "    given the same %s: %s u=%.4f w=%+.2f;%n", comparisons[anchor].name,
            c.labels[1], f.colleagueMailbox[k], FellegiSunter.log2(f.m[k][1] / f.colleagueMailbox[k])));
      }
      if (k == f.contact.family && anchor >= 0) {
        b.append(String.format(Locale.ROOT, "    given the same %s: different people share it beyond chance in %.4f of"
            + " pairs at companies of up to %d records, %.4f at larger ones%n", comparisons[anchor].name, f.contact.relatives[0],
            ContactEvidence.SMALL_COMPANY, f.contact.relatives[1]));
      }
    }
    return b.toString();
  }
}
