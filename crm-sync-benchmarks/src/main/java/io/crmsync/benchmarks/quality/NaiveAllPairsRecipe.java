package io.crmsync.benchmarks.quality;

import io.crmsync.model.Contact;
import io.crmsync.quality.DedupeRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;

/**
 * The straightforward recipe, for the speed (and accuracy) baseline: group by exact lower-cased email,
 * compare every pair of records by commons-text Jaro-Winkler on full name and on company (both at least
 * 0.85), union the groups, pick the most complete record as master, fill its empty fields from the
 * others. All pairs, one thread, no normalisation beyond case.
 */
final class NaiveAllPairsRecipe {
  static final double THRESHOLD = 0.85;

  private NaiveAllPairsRecipe() {}

  /** Cluster id (the master's id) by record id, and the merged masters. */
  record Outcome(Map<String, String> clusterOf, List<Map<String, String>> masters, long comparisons) {}

  static Outcome run(List<DedupeRecord> records) {
    int n = records.size();
    int[] parent = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = i;
    }
    Map<String, Integer> byEmail = new HashMap<>();
    String[] names = new String[n];
    String[] companies = new String[n];
    for (int i = 0; i < n; i++) {
      DedupeRecord r = records.get(i);
      String email = r.get(Contact.Fields.EMAIL);
      if (email != null) {
        Integer first = byEmail.putIfAbsent(email.trim().toLowerCase(Locale.ROOT), i);
        if (first != null) {
          union(parent, first, i);
        }
      }
      String first = r.get(Contact.Fields.FIRST_NAME);
      String last = r.get(Contact.Fields.LAST_NAME);
      names[i] = ((first == null ? "" : first) + " " + (last == null ? "" : last)).trim().toLowerCase(Locale.ROOT);
      String company = r.get(Contact.Fields.COMPANY);
      companies[i] = company == null ? "" : company.toLowerCase(Locale.ROOT);
    }
    JaroWinklerSimilarity jw = new JaroWinklerSimilarity();
    long comparisons = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        comparisons++;
        if (jw.apply(names[i], names[j]) >= THRESHOLD && jw.apply(companies[i], companies[j]) >= THRESHOLD) {
          union(parent, i, j);
        }
      }
    }
    Map<Integer, List<Integer>> clusters = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      clusters.computeIfAbsent(find(parent, i), k -> new ArrayList<>()).add(i);
    }
    Map<String, String> clusterOf = new HashMap<>();
    List<Map<String, String>> masters = new ArrayList<>();
    for (List<Integer> members : clusters.values()) {
      int master = members.get(0);
      for (int m : members) {
        if (records.get(m).fields().size() > records.get(master).fields().size()) {
          master = m;
        }
      }
      Map<String, String> merged = new LinkedHashMap<>(records.get(master).fields());
      for (int m : members) {
        records.get(m).fields().forEach(merged::putIfAbsent);
      }
      masters.add(merged);
      for (int m : members) {
        clusterOf.put(records.get(m).id(), records.get(master).id());
      }
    }
    return new Outcome(clusterOf, masters, comparisons);
  }

  private static int find(int[] parent, int x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }

  private static void union(int[] parent, int a, int b) {
    int ra = find(parent, a);
    int rb = find(parent, b);
    if (ra != rb) {
      parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }
}
