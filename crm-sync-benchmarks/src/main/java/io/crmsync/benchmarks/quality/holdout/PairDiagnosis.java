package io.crmsync.benchmarks.quality.holdout;

import io.crmsync.benchmarks.quality.holdout.HoldoutContacts.RecordTruth;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Missed and wrongly joined pairs, by the noise and the situation the generator knows about.
 *
 * <p>A true pair carries the tags of both its records (a typo in either, an upper-cased row ...) plus what
 * differs between the two: {@code job-change}, {@code surname-change}, {@code nickname} (the records use
 * different forms of the given name), {@code email:work-vs-personal}, {@code email:role-mailbox}, {@code
 * email:missing}, {@code phone:switchboard}, {@code phone:different-numbers}, {@code phone:missing}. Its
 * evidence is the strongest identifier the two records really share: the same personal or work mailbox,
 * the same direct or mobile number, the same employer, or only the name.
 *
 * <p>A false pair (two people in one predicted cluster) is labelled by how their names relate and what
 * they share: employer, household (a family business couple or father and son), a role mailbox, a
 * switchboard.
 */
final class PairDiagnosis {

  /** A pair of records with its labels. */
  record Pair(String a, String b, List<String> labels) {}

  /** Counts for one label. */
  static final class Tally {
    long pairs;
    long found;
    long unblocked;
    final List<Pair> examples = new ArrayList<>();

    long missed() {
      return pairs - found;
    }
  }

  final Map<String, Tally> byTag = new HashMap<>();
  final Map<String, Tally> byEvidence = new HashMap<>();
  final Map<String, Tally> missedCombos = new HashMap<>();
  final Map<String, Tally> falseByLabel = new HashMap<>();
  final Map<String, Tally> falseByFlag = new HashMap<>();
  /** Pairs of different people that look alike, by kind: how many there are and how many were joined. */
  final Map<String, Tally> traps = new LinkedHashMap<>();
  private final List<Pair> missedPairs = new ArrayList<>();
  private final Set<String> exampleRecords = new java.util.HashSet<>();
  long truePairs;
  long missed;
  long missedUnblocked;
  long falsePairs;
  int impureClusters;
  int largestImpure;
  private final int examples;

  private PairDiagnosis(int examples) {
    this.examples = examples;
  }

  /**
   * Diagnoses predicted clusters against the truth.
   *
   * @param clusterOf predicted cluster id by record id
   * @param candidate whether blocking paired two records, or null if unknown
   * @param examples how many example pairs to keep per label
   */
  static PairDiagnosis of(List<RecordTruth> truth, Map<String, String> clusterOf,
      @Nullable BiPredicate<String, String> candidate, int examples) {
    PairDiagnosis d = new PairDiagnosis(examples);
    Map<String, List<RecordTruth>> byPerson = new LinkedHashMap<>();
    Map<String, RecordTruth> byId = new HashMap<>();
    for (RecordTruth t : truth) {
      byPerson.computeIfAbsent(t.personId(), k -> new ArrayList<>()).add(t);
      byId.put(t.recordId(), t);
    }
    for (List<RecordTruth> records : byPerson.values()) {
      for (int i = 0; i < records.size(); i++) {
        for (int j = i + 1; j < records.size(); j++) {
          d.truePair(records.get(i), records.get(j), clusterOf, candidate);
        }
      }
    }
    d.combineMissed();
    d.traps(truth, clusterOf);
    Map<String, List<String>> members = new LinkedHashMap<>();
    clusterOf.forEach((record, cluster) -> members.computeIfAbsent(cluster, k -> new ArrayList<>()).add(record));
    for (List<String> m : members.values()) {
      if (m.size() < 2) {
        continue;
      }
      m.sort(null);
      Set<String> people = new TreeSet<>();
      for (String r : m) {
        people.add(byId.get(r).personId());
      }
      if (people.size() > 1) {
        d.impureClusters++;
        d.largestImpure = Math.max(d.largestImpure, m.size());
      }
      for (int i = 0; i < m.size(); i++) {
        for (int j = i + 1; j < m.size(); j++) {
          RecordTruth a = byId.get(m.get(i));
          RecordTruth b = byId.get(m.get(j));
          if (!a.personId().equals(b.personId())) {
            d.falsePair(a, b);
          }
        }
      }
    }
    return d;
  }

  private void truePair(RecordTruth a, RecordTruth b, Map<String, String> clusterOf,
      @Nullable BiPredicate<String, String> candidate) {
    truePairs++;
    boolean found = clusterOf.get(a.recordId()).equals(clusterOf.get(b.recordId()));
    boolean unblocked = !found && candidate != null && !candidate.test(a.recordId(), b.recordId());
    List<String> tags = pairTags(a, b);
    Pair pair = new Pair(a.recordId(), b.recordId(), tags);
    String evidence = evidence(a, b);
    if (!found) {
      missed++;
      missedUnblocked += unblocked ? 1 : 0;
      List<String> kept = new ArrayList<>();
      kept.add(evidence);
      kept.add(unblocked ? "u" : "");
      kept.addAll(tags);
      missedPairs.add(new Pair(a.recordId(), b.recordId(), kept));
    }
    for (String t : tags.isEmpty() ? List.of("(no noise)") : tags) {
      count(byTag, t, found, unblocked, pair);
    }
    count(byEvidence, evidence, found, unblocked, pair);
  }

  /**
   * Groups missed pairs by their evidence and the tags that are harder than the average pair (recall at
   * least two points below the overall recall), so mild noise such as a suffix variant does not split
   * the groups.
   */
  private void combineMissed() {
    double overall = truePairs == 0 ? 1 : (double) (truePairs - missed) / truePairs;
    for (Pair p : missedPairs) {
      List<String> hard = new ArrayList<>();
      for (String t : p.labels().subList(2, p.labels().size())) {
        Tally tally = byTag.get(t);
        if ((double) tally.found / tally.pairs < overall - 0.02) {
          hard.add(t);
        }
      }
      String key = p.labels().get(0) + ": " + (hard.isEmpty() ? "(nothing harder than average)" : String.join(" + ", hard));
      count(missedCombos, key, false, p.labels().get(1).equals("u"), new Pair(p.a(), p.b(), List.of()));
    }
    missedPairs.clear();
  }

  /** Counts look-alike pairs of different people and how many of them were joined. */
  private void traps(List<RecordTruth> truth, Map<String, String> clusterOf) {
    Map<String, List<RecordTruth>> byName = new HashMap<>();
    Map<String, List<RecordTruth>> byHousehold = new HashMap<>();
    for (RecordTruth t : truth) {
      byName.computeIfAbsent(t.givenName() + " " + t.surname(), k -> new ArrayList<>()).add(t);
      if (!t.household().isEmpty()) {
        byHousehold.computeIfAbsent(t.household(), k -> new ArrayList<>()).add(t);
      }
    }
    traps.put("namesakes (same given name and surname)", new Tally());
    traps.put("namesakes at the same employer", new Tally());
    traps.put("family-business couples", new Tally());
    traps.put("father and son in a family business", new Tally());
    for (List<RecordTruth> group : byName.values()) {
      for (int i = 0; i < group.size(); i++) {
        for (int j = i + 1; j < group.size(); j++) {
          RecordTruth a = group.get(i);
          RecordTruth b = group.get(j);
          if (a.personId().equals(b.personId())) {
            continue;
          }
          boolean joined = clusterOf.get(a.recordId()).equals(clusterOf.get(b.recordId()));
          trap("namesakes (same given name and surname)", joined);
          if (!a.companyId().isEmpty() && a.companyId().equals(b.companyId())) {
            trap("namesakes at the same employer", joined);
          }
        }
      }
    }
    for (List<RecordTruth> group : byHousehold.values()) {
      for (int i = 0; i < group.size(); i++) {
        for (int j = i + 1; j < group.size(); j++) {
          RecordTruth a = group.get(i);
          RecordTruth b = group.get(j);
          if (!a.personId().equals(b.personId())) {
            boolean joined = clusterOf.get(a.recordId()).equals(clusterOf.get(b.recordId()));
            trap(a.givenName().equals(b.givenName()) ? "father and son in a family business"
                : "family-business couples", joined);
          }
        }
      }
    }
  }

  private void trap(String kind, boolean joined) {
    Tally t = traps.get(kind);
    t.pairs++;
    t.found += joined ? 1 : 0;
  }

  private void count(Map<String, Tally> map, String key, boolean found, boolean unblocked, Pair pair) {
    Tally t = map.computeIfAbsent(key, k -> new Tally());
    t.pairs++;
    t.found += found ? 1 : 0;
    t.unblocked += unblocked ? 1 : 0;
    boolean printed = map == missedCombos || map == falseByLabel;
    if (printed && !found && t.examples.size() < examples && !exampleRecords.contains(pair.a())
        && !exampleRecords.contains(pair.b())) {
      t.examples.add(pair);
      exampleRecords.add(pair.a());
      exampleRecords.add(pair.b());
    }
  }

  /** The difficulties of a true pair. */
  static List<String> pairTags(RecordTruth a, RecordTruth b) {
    Set<String> tags = new TreeSet<>();
    tags.addAll(a.tags());
    tags.addAll(b.tags());
    tags.remove("nickname");
    if (!a.givenForm().equals(b.givenForm())) {
      tags.add("nickname");
    }
    if (a.job() != b.job()) {
      tags.add("job-change");
      tags.remove("email:stale");
    }
    if (!a.surname().equals(b.surname())) {
      tags.add("surname-change");
    }
    if (a.emailKind().equals("none") || b.emailKind().equals("none")) {
      tags.add("email:missing");
    } else if (a.emailKind().equals("role") || b.emailKind().equals("role")) {
      tags.add("email:role-mailbox");
    } else if (!a.emailKind().equals(b.emailKind())) {
      tags.add("email:work-vs-personal");
    }
    if (a.phoneKind().equals("none") || b.phoneKind().equals("none")) {
      tags.add("phone:missing");
    } else if (a.phoneKind().equals("switchboard") || b.phoneKind().equals("switchboard")) {
      tags.add("phone:switchboard");
    } else if (!a.phoneKey().equals(b.phoneKey())) {
      tags.add("phone:different-numbers");
    }
    // the second record of a pair is often plain missing something; these are not difficulties on their own
    tags.remove("phone:extension");
    return List.copyOf(tags);
  }

  /** The strongest identifier two records of one person really share. */
  static String evidence(RecordTruth a, RecordTruth b) {
    boolean email = !a.emailKey().isEmpty() && a.emailKey().equals(b.emailKey()) && !a.emailKind().equals("role");
    boolean phone = !a.phoneKey().isEmpty() && a.phoneKey().equals(b.phoneKey())
        && !a.phoneKind().equals("switchboard") && !b.phoneKind().equals("switchboard");
    boolean company = !a.companyId().isEmpty() && a.companyId().equals(b.companyId())
        && !a.tags().contains("company:missing") && !b.tags().contains("company:missing");
    if (email && phone) {
      return "same email and phone";
    } else if (email) {
      return "same email";
    } else if (phone) {
      return "same direct/mobile phone";
    } else if (company) {
      return "name + employer only";
    }
    return "name only";
  }

  private void falsePair(RecordTruth a, RecordTruth b) {
    falsePairs++;
    List<String> flags = new ArrayList<>();
    if (!a.household().isEmpty() && a.household().equals(b.household())) {
      flags.add(a.givenName().equals(b.givenName()) ? "father and son" : "family-business couple");
    }
    if (!a.companyId().isEmpty() && a.companyId().equals(b.companyId())) {
      flags.add("same employer");
    }
    if (!a.emailKey().isEmpty() && a.emailKey().equals(b.emailKey())) {
      flags.add(a.emailKind().equals("role") ? "shared role mailbox" : "shared email");
    }
    if (!a.phoneKey().isEmpty() && a.phoneKey().equals(b.phoneKey())) {
      flags.add(a.phoneKind().equals("switchboard") ? "shared switchboard" : "shared phone");
    }
    String names;
    boolean sameSurname = a.surname().equals(b.surname());
    if (sameSurname && a.givenName().equals(b.givenName())) {
      names = "namesakes";
    } else if (sameSurname && (a.givenForm().equals(b.givenForm()) || nicknameEquivalent(a, b))) {
      names = "same surname, given names share a form";
    } else if (sameSurname && !a.givenName().isEmpty() && !b.givenName().isEmpty()
        && a.givenName().charAt(0) == b.givenName().charAt(0)) {
      names = "same surname and initial";
    } else if (sameSurname) {
      names = "same surname";
    } else if (a.givenName().equals(b.givenName())) {
      names = "same given name only";
    } else {
      names = "different names";
    }
    Pair pair = new Pair(a.recordId(), b.recordId(), flags);
    String label = flags.isEmpty() ? names : names + ", " + String.join(", ", flags);
    count(falseByLabel, label, false, false, pair);
    count(falseByFlag, names, false, false, pair);
    for (String f : flags) {
      count(falseByFlag, f, false, false, pair);
    }
  }

  private static boolean nicknameEquivalent(RecordTruth a, RecordTruth b) {
    for (Map.Entry<String, List<String>> e : Vocabulary.NICKNAMES.entrySet()) {
      String formal = HoldoutContacts.fold(e.getKey());
      boolean hasA = formal.equals(a.givenName()) || e.getValue().stream().anyMatch(n -> HoldoutContacts.fold(n)
          .equals(a.givenForm()));
      boolean hasB = formal.equals(b.givenName()) || e.getValue().stream().anyMatch(n -> HoldoutContacts.fold(n)
          .equals(b.givenForm()));
      if (hasA && hasB) {
        return true;
      }
    }
    return false;
  }

  /** Prints the tables, {@code top} lines each; never-compared counts only if {@code blockingKnown}. */
  void print(PrintStream out, int top, boolean blockingKnown) {
    out.printf(Locale.ROOT, "  true pairs %,d, missed %,d (%.1f%%)%s%n", truePairs, missed, pct(missed, truePairs),
        blockingKnown ? String.format(Locale.ROOT, ", of which never compared %,d", missedUnblocked) : "");
    out.println("  recall by evidence the two records really share:");
    table(out, byEvidence, top, true, blockingKnown);
    out.println("  recall by difficulty (a pair counts under each of its tags):");
    table(out, byTag, top, true, blockingKnown);
    out.println("  missed pairs by evidence and the tags harder than the average pair:");
    table(out, missedCombos, top, false, blockingKnown);
    out.printf(Locale.ROOT, "  false pairs %,d in %,d clusters mixing people (largest %d records)%n", falsePairs,
        impureClusters, largestImpure);
    out.println("  false pairs by how the two people relate:");
    falseTable(out, falseByLabel, top);
    out.println("  false pairs by single label (a pair counts under each):");
    falseTable(out, falseByFlag, top);
    out.println("  look-alike pairs of different people, and how many were joined:");
    traps.forEach((kind, t) -> out.printf(Locale.ROOT, "    %-45s pairs %,8d  joined %,6d (%.1f%%)%n", kind, t.pairs,
        t.found, pct(t.found, t.pairs)));
  }

  private static void table(PrintStream out, Map<String, Tally> map, int top, boolean withRecall, boolean blocking) {
    List<Map.Entry<String, Tally>> entries = new ArrayList<>(map.entrySet());
    entries.sort(Comparator.comparingLong((Map.Entry<String, Tally> e) -> -e.getValue().missed())
        .thenComparing(e -> -e.getValue().pairs).thenComparing(Map.Entry::getKey));
    for (Map.Entry<String, Tally> e : entries.subList(0, Math.min(top, entries.size()))) {
      Tally t = e.getValue();
      if (withRecall) {
        out.printf(Locale.ROOT, "    %-40s pairs %,8d  recall %6.1f%%  missed %,7d%s%n", e.getKey(), t.pairs,
            pct(t.found, t.pairs), t.missed(),
            blocking ? String.format(Locale.ROOT, " (never compared %,d)", t.unblocked) : "");
      } else {
        out.printf(Locale.ROOT, "    %,7d%s  %s%n", t.missed(),
            blocking ? String.format(Locale.ROOT, " (never compared %,6d)", t.unblocked) : "", e.getKey());
      }
    }
  }

  private static void falseTable(PrintStream out, Map<String, Tally> map, int top) {
    List<Map.Entry<String, Tally>> entries = new ArrayList<>(map.entrySet());
    entries.sort(Comparator.comparingLong((Map.Entry<String, Tally> e) -> -e.getValue().pairs)
        .thenComparing(Map.Entry::getKey));
    for (Map.Entry<String, Tally> e : entries.subList(0, Math.min(top, entries.size()))) {
      out.printf(Locale.ROOT, "    %,7d  %s%n", e.getValue().pairs, e.getKey());
    }
  }

  static double pct(long part, long whole) {
    return whole == 0 ? 100 : 100.0 * part / whole;
  }

  /** Example missed pairs of the most frequent difficulty combinations, most frequent first. */
  List<Pair> missedExamples(int combos) {
    return examplesOf(missedCombos, combos);
  }

  /** Example false pairs of the most frequent relations, most frequent first. */
  List<Pair> falseExamples(int labels) {
    return examplesOf(falseByLabel, labels);
  }

  private static List<Pair> examplesOf(Map<String, Tally> map, int n) {
    List<Map.Entry<String, Tally>> entries = new ArrayList<>(map.entrySet());
    entries.sort(Comparator.comparingLong((Map.Entry<String, Tally> e) -> -e.getValue().pairs)
        .thenComparing(Map.Entry::getKey));
    List<Pair> out = new ArrayList<>();
    for (Map.Entry<String, Tally> e : entries.subList(0, Math.min(n, entries.size()))) {
      for (Pair p : e.getValue().examples) {
        out.add(new Pair(p.a(), p.b(), List.of(e.getKey())));
      }
    }
    return out;
  }
}
