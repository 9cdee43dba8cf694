package io.crmsync.quality.internal;

import io.crmsync.quality.FieldRole;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Blocking: several keys per record, unioned. Records sharing a key value form a block, and only pairs
 * within a block become candidates, each pair once however many keys it shares.
 *
 * <p>A block larger than {@code maxBlockSize} (a common name, a big account; for phonetic keys, from
 * {@link #PHONETIC_MAX_BLOCK}) is not compared all-pairs. Its members are sorted by the identifying
 * fields its key does not fix (family name, given name, company), which splits it into runs of records
 * that agree on the first of them: a run is compared all-pairs while it is no larger than {@code
 * maxBlockSize}, else each member meets its {@code window} neighbours in it; and each member also
 * meets its {@link #RUN_EDGE} neighbours beyond its run. So one person's records at an account of
 * thousands still meet (same given name and company, then same family name), while the cost per record
 * stays bounded however the block grows.
 *
 * <p>Layout: blocks and memberships are flat int arrays (CSR), keys are 64-bit hashes packed with the
 * record index and sorted, so a million records with ten keys each build in a second or two. Immutable
 * after construction; thread-safe.
 */
public final class BlockingIndex {
  /** How a key part is derived from a column value. */
  enum Transform { VALUE, SOUNDEX, FIRST_TOKEN, ADDRESS_CORE }

  /** One part of a blocking key. */
  record Part(Column column, Transform transform, int offset) {
    Part(Column column, Transform transform) {
      this(column, transform, 0);
    }

    @Nullable String apply(int record) {
      String v = column.get(offset + record);
      if (v == null) {
        return null;
      }
      return switch (transform) {
        case VALUE -> v;
        case SOUNDEX -> {
          String s = Soundex.of(v);
          yield s.isEmpty() ? null : s;
        }
        case FIRST_TOKEN -> {
          int space = v.indexOf(' ');
          yield space < 0 ? v : v.substring(0, space);
        }
        case ADDRESS_CORE -> addressCore(v);
      };
    }

    @Override
    public String toString() {
      return transform == Transform.VALUE ? column.name() : transform.name().toLowerCase() + "(" + column.name() + ")";
    }
  }

  /**
   * The house number and the first word of the street name ({@code 6401 s pulaski rd -> 6401 pulaski}),
   * or the value itself when it has no house number.
   */
  static String addressCore(String normalizedAddress) {
    String[] tokens = normalizedAddress.split(" ");
    String number = null;
    String word = null;
    for (String t : tokens) {
      if (number == null && !t.isEmpty() && Character.isDigit(t.charAt(0))) {
        number = t;
      } else if (word == null && t.length() >= 3 && !Character.isDigit(t.charAt(0))) {
        word = t;
      }
    }
    return number == null || word == null ? normalizedAddress : number + " " + word;
  }

  /**
   * A blocking key: records whose parts are all present and equal share a block. An unordered key
   * compares its parts as a set, so {@code (given, family)} also catches swapped names.
   */
  public record Rule(List<Part> parts, boolean unordered) {
    /** Whether a part is a phonetic code: such keys have few values, so their blocks grow with the file. */
    boolean phonetic() {
      for (Part p : parts) {
        if (p.transform() == Transform.SOUNDEX) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder(unordered ? "either order of " : "");
      for (int k = 0; k < parts.size(); k++) {
        b.append(k == 0 ? "" : " + ").append(parts.get(k));
      }
      return b.toString();
    }
  }

  final List<Rule> rules;
  final int maxBlockSize;
  final int window;
  private final int[] blockStart;
  private final int[] blockMembers;
  private final boolean[] oversized;
  /**
   * For members of oversized blocks, by position: the first position and the end of their run (members
   * whose first order column agrees); unused elsewhere.
   */
  private final int[] runStart;
  private final int[] runEnd;
  /**
   * Neighbours each member of an oversized block meets on each side beyond its run: a misspelt value
   * sorts next to the spelling it misses (smiht beside smith).
   */
  static final int RUN_EDGE = 2;

  /**
   * The size from which a block of a phonetic key is oversized. Soundex codes are few (Smith, Schmidt
   * and Snead are all S530), so their blocks grow with the file as no exact key's do: at a million
   * contacts they averaged ten records and cost more than every other key together. Records that spell
   * a name alike already meet through the exact keys; what a phonetic key adds is spellings that
   * differ, which sorting by the spelled name puts side by side.
   */
  static final int PHONETIC_MAX_BLOCK = 12;
  private final int[] recordStart;
  private final int[] recordBlock;
  private final int[] recordPos;
  final int oversizedBlocks;
  final int blocks;

  BlockingIndex(Table table, List<Rule> rules, int maxBlockSize, int window) {
    this.rules = List.copyOf(rules);
    this.maxBlockSize = maxBlockSize;
    this.window = window;
    int n = table.size();
    int idxBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1)));
    long idxMask = (1L << idxBits) - 1;
    int[] starts = new int[16];
    int[] ruleOf = new int[16];
    int[] members = new int[16];
    int memberCount = 0;
    int blockCount = 0;
    int over = 0;
    List<int[]> oversizedRanges = new ArrayList<>();
    // one key space at a time (rules that print alike, the slots of one multi-valued field, share
    // one): its keys sorted, equal keys a block
    Map<String, List<Integer>> spaces = new LinkedHashMap<>();
    for (int r = 0; r < rules.size(); r++) {
      spaces.computeIfAbsent(rules.get(r).toString(), k -> new ArrayList<>()).add(r);
    }
    for (List<Integer> space : spaces.values()) {
      int r = space.get(0);
      int limit = rules.get(r).phonetic() ? Math.min(PHONETIC_MAX_BLOCK, maxBlockSize) : maxBlockSize;
      long[] all = keys(rules, space, n, idxBits);
      // -1 can also be a genuine packed key; that record merely loses one of its keys.
      Arrays.parallelSort(all);
      int total = all.length;
      for (int s = 0; s < total; ) {
        long key = all[s] >>> idxBits;
        int e = s + 1;
        while (e < total && (all[e] >>> idxBits) == key) {
          e++;
        }
        if (e - s >= 2) {
          if (blockCount + 2 > starts.length) {
            starts = Arrays.copyOf(starts, starts.length * 2);
            ruleOf = Arrays.copyOf(ruleOf, ruleOf.length * 2);
          }
          if (memberCount + e - s > members.length) {
            members = Arrays.copyOf(members, Math.max(members.length * 2, memberCount + e - s));
          }
          starts[blockCount] = memberCount;
          ruleOf[blockCount] = r;
          int prev = -1;
          for (int k = s; k < e; k++) {
            int rec = (int) (all[k] & idxMask);
            if (rec != prev) { // a record keys twice into one block only when two of its slots collide
              members[memberCount++] = rec;
              prev = rec;
            }
          }
          if (memberCount - starts[blockCount] > limit) {
            oversizedRanges.add(new int[] {blockCount, starts[blockCount], memberCount});
            over++;
          }
          blockCount++;
        }
        s = e;
      }
    }
    starts = Arrays.copyOf(starts, blockCount + 1);
    starts[blockCount] = memberCount;
    this.blockStart = starts;
    this.blockMembers = Arrays.copyOf(members, memberCount);
    this.blocks = blockCount;
    this.oversizedBlocks = over;
    this.oversized = new boolean[blockCount];
    this.runStart = oversizedRanges.isEmpty() ? new int[0] : new int[memberCount];
    this.runEnd = oversizedRanges.isEmpty() ? new int[0] : new int[memberCount];
    if (!oversizedRanges.isEmpty()) {
      Order order = new Order(table);
      List<List<Column>> byRule = new ArrayList<>();
      for (Rule rule : rules) {
        byRule.add(order.columnsFor(rule));
      }
      for (int[] range : oversizedRanges) {
        oversized[range[0]] = true;
        List<Column> columns = byRule.get(ruleOf[range[0]]);
        order.sort(blockMembers, range[1], range[2], columns);
        // runs: members that agree on the first order column
        Column first = columns.isEmpty() ? null : columns.get(0);
        for (int k = range[1]; k < range[2]; ) {
          int e = k + 1;
          int id = first == null ? -1 : first.id(blockMembers[k]);
          while (e < range[2] && first != null && first.id(blockMembers[e]) == id) {
            e++;
          }
          for (int x = k; x < e; x++) {
            runStart[x] = k;
            runEnd[x] = e;
          }
          k = e;
        }
      }
    }
    // record -> (block, position) memberships, blocks in ascending order per record
    int[] counts = new int[n + 1];
    for (int k = 0; k < memberCount; k++) {
      counts[blockMembers[k] + 1]++;
    }
    for (int i = 0; i < n; i++) {
      counts[i + 1] += counts[i];
    }
    this.recordStart = counts.clone();
    this.recordBlock = new int[memberCount];
    this.recordPos = new int[memberCount];
    int[] fill = counts;
    for (int b = 0; b < blockCount; b++) {
      for (int k = blockStart[b]; k < blockStart[b + 1]; k++) {
        int rec = blockMembers[k];
        int slot = fill[rec]++;
        recordBlock[slot] = b;
        recordPos[slot] = k;
      }
    }
  }

  /**
   * The keys of the rules of one key space: per record and rule, the key's hash packed with the record
   * index, sorted by nothing yet; records missing a part of a rule have no key for it.
   */
  private static long[] keys(List<Rule> rules, List<Integer> space, int n, int idxBits) {
    long[] out = new long[0];
    for (int r : space) {
      long[] k = keys(rules.get(r), n, idxBits);
      int at = out.length;
      out = Arrays.copyOf(out, at + k.length);
      System.arraycopy(k, 0, out, at, k.length);
    }
    return out;
  }

  /** Per record, the rule's key hash packed with the record index; records missing a part have none. */
  private static long[] keys(Rule rule, int n, int idxBits) {
    long salt = 0x9E3779B97F4A7C15L * (rule.toString().hashCode() | 1L);
    long[] keys = new long[n];
    IntStream.range(0, n).parallel().forEach(i -> {
      long h = salt;
      long sum = 0;
      for (Part p : rule.parts()) {
        String v = p.apply(i);
        if (v == null) {
          keys[i] = -1;
          return;
        }
        long ph = rule.unordered() ? 0xcbf29ce484222325L : h;
        for (int k = 0; k < v.length(); k++) {
          ph = (ph ^ v.charAt(k)) * 0x100000001b3L;
        }
        ph = (ph ^ 0x1F) * 0x100000001b3L;
        if (rule.unordered()) {
          sum += mix(ph);
        } else {
          h = ph;
        }
      }
      keys[i] = (mix(rule.unordered() ? h ^ sum : h) << idxBits) | i;
    });
    int kept = 0;
    for (long k : keys) {
      kept += k == -1 ? 0 : 1;
    }
    long[] out = new long[kept];
    int at = 0;
    for (long k : keys) {
      if (k != -1) {
        out[at++] = k;
      }
    }
    return out;
  }

  /**
   * The order of an oversized block, in which each member meets its {@code window} neighbours on each
   * side (sorted neighbourhood). Members are sorted alphabetically by the identifying fields the block's
   * key does not already fix: the family name, then the given name, then the company (for records
   * without names, the compared fields in schema order). So within {@code given name + company} at a
   * large account, one person's records sit side by side whatever the account's size, and within a
   * phonetic name block, a typo in the later letters of a name stays next to the name.
   */
  private static final class Order {
    private final List<Column> preference = new ArrayList<>();
    private final Map<Column, int[]> ranks = new IdentityHashMap<>();

    Order(Table t) {
      if (!t.familyNames.isEmpty()) {
        preference.add(t.familyNames.get(0));
      }
      if (!t.givenNames.isEmpty()) {
        preference.add(t.givenNames.get(0));
      }
      Column company = t.column(FieldRole.COMPANY);
      if (company != null) {
        preference.add(company);
      }
      for (Comparison c : t.comparisons) {
        if (!preference.contains(c.column) && !(c instanceof Comparison.Name)) {
          preference.add(c.column);
        }
      }
    }

    /** The first two preferred columns that the rule does not key on by exact value. */
    List<Column> columnsFor(Rule rule) {
      List<Column> out = new ArrayList<>();
      for (Column c : preference) {
        boolean keyed = false;
        for (Part p : rule.parts()) {
          keyed |= p.transform() == Transform.VALUE && p.offset() == 0
              && (p.column() == c || p.column().name().equals(c.name() + ".canon") || c.name().equals(p.column().name() + ".canon"));
        }
        if (!keyed && out.size() < 2) {
          out.add(c);
        }
      }
      return out;
    }

    /** Each value id's rank among the column's distinct values in alphabetical order. */
    private int[] ranks(Column c) {
      return ranks.computeIfAbsent(c, col -> {
        Integer[] ids = new Integer[col.distinct()];
        for (int v = 0; v < ids.length; v++) {
          ids[v] = v;
        }
        Arrays.parallelSort(ids, (x, y) -> Arrays.compare(col.charsOf(x), col.charsOf(y)));
        int[] rank = new int[ids.length];
        for (int k = 0; k < ids.length; k++) {
          rank[ids[k]] = k;
        }
        return rank;
      });
    }

    /** Sorts {@code members[from, to)} by {@code columns}, ties by record index (members come in index order). */
    void sort(int[] members, int from, int to, List<Column> columns) {
      int size = to - from;
      if (size >= 1 << 22) {
        return; // beyond the packing: keep record order
      }
      long[] packed = new long[size];
      for (int k = 0; k < size; k++) {
        int rec = members[from + k];
        long key = 0;
        for (Column c : columns) {
          int id = c.id(rec);
          // 20 bits a column (ranks scaled down past a million values), 22 for the position
          int r = id < 0 ? 0xFFFFF : (int) ((long) ranks(c)[id] * 0xFFFFE / Math.max(1, c.distinct()));
          key = (key << 20) | r;
        }
        packed[k] = (key << 22) | k;
      }
      Arrays.sort(packed);
      int[] sorted = new int[size];
      for (int k = 0; k < size; k++) {
        sorted[k] = members[from + (int) (packed[k] & 0x3FFFFF)];
      }
      System.arraycopy(sorted, 0, members, from, size);
    }
  }

  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** Records a parallel pass hands each task: {@code [from, to)}. */
  static final int CHUNK = 2048;

  /** The work of one chunk of a parallel pass; {@code mark} is scratch for {@link #forEachCandidate}. */
  interface ChunkWork<T> {
    T visit(int from, int to, int[] mark);
  }

  /**
   * A parallel pass over all records in chunks of {@link #CHUNK}: the stream of what each chunk's work
   * returned. Each thread gets scratch marks cleared once per pass.
   */
  <T> Stream<T> chunks(ChunkWork<T> work) {
    int n = recordStart.length - 1;
    Object pass = new Object();
    return IntStream.range(0, (n + CHUNK - 1) / CHUNK).parallel()
        .mapToObj(c -> work.visit(c * CHUNK, Math.min(n, (c + 1) * CHUNK), marks(n, pass)));
  }

  /** Per-thread scratch for candidate de-duplication, reset once per pass (marks are record indexes). */
  private static final class Marks {
    Object pass = new Object();
    int[] marks = new int[0];
  }

  private static final ThreadLocal<Marks> MARKS = ThreadLocal.withInitial(Marks::new);

  private static int[] marks(int n, Object pass) {
    Marks m = MARKS.get();
    if (m.pass != pass || m.marks.length != n) {
      if (m.marks.length != n) {
        m.marks = new int[n];
      }
      Arrays.fill(m.marks, -1);
      m.pass = pass;
    }
    return m.marks;
  }

  /** The pair visitor of {@link #forEachCandidate}. */
  interface PairSink {
    void accept(int i, int j);
  }

  /**
   * Calls {@code sink} once for every candidate {@code j > i} of record {@code i}. {@code mark} is a
   * per-thread scratch array of {@code size()} ints holding anything but {@code i} on entry for this i.
   *
   * @return the number of candidates visited
   */
  int forEachCandidate(int i, int[] mark, PairSink sink) {
    int visited = 0;
    for (int s = recordStart[i]; s < recordStart[i + 1]; s++) {
      int b = recordBlock[s];
      int pos = recordPos[s];
      int from;
      int to;
      if (oversized[b]) {
        // its run, whole when small, else its window; and its RUN_EDGE neighbours beyond the run
        int rs = runStart[pos];
        int re = runEnd[pos];
        if (re - rs > maxBlockSize) {
          rs = Math.max(rs, pos - window);
          re = Math.min(re, pos + window + 1);
        }
        int lo = Math.max(blockStart[b], pos - RUN_EDGE);
        int hi = Math.min(blockStart[b + 1], pos + RUN_EDGE + 1);
        for (int k = lo; k < hi; k++) {
          if ((k < rs || k >= re) && Math.abs(k - pos) <= RUN_EDGE) {
            int j = blockMembers[k];
            if (j > i && mark[j] != i) {
              mark[j] = i;
              sink.accept(i, j);
              visited++;
            }
          }
        }
        from = rs;
        to = re;
      } else {
        from = pos + 1;
        to = blockStart[b + 1];
      }
      for (int k = from; k < to; k++) {
        int j = blockMembers[k];
        if (j > i && mark[j] != i) {
          mark[j] = i;
          sink.accept(i, j);
          visited++;
        }
      }
    }
    return visited;
  }

  /** Whether blocking makes {@code i} and {@code j} a candidate pair. */
  boolean isCandidate(int i, int j) {
    int a = recordStart[i];
    int ae = recordStart[i + 1];
    int c = recordStart[j];
    int ce = recordStart[j + 1];
    while (a < ae && c < ce) {
      int ba = recordBlock[a];
      int bc = recordBlock[c];
      if (ba < bc) {
        a++;
      } else if (bc < ba) {
        c++;
      } else {
        if (!oversized[ba] || neighbours(recordPos[a], recordPos[c])) {
          return true;
        }
        a++;
        c++;
      }
    }
    return false;
  }

  /** Whether two positions in oversized block {@code b} are paired: see {@link #forEachCandidate}. */
  private boolean neighbours(int p, int q) {
    int d = Math.abs(p - q);
    if (runStart[p] == runStart[q]) {
      return runEnd[p] - runStart[p] <= maxBlockSize || d <= window;
    }
    return d <= RUN_EDGE;
  }

  /** The default keys for a table: exact identifiers alone, names phonetically, names with a context. */
  static List<Rule> defaultRules(Table t) {
    List<Rule> rules = new ArrayList<>();
    for (Comparison c : t.comparisons) {
      if (c instanceof Comparison.Email) {
        rules.add(rule(new Part(c.column, Transform.VALUE)));
      }
    }
    for (Comparison c : t.comparisons) {
      if (c instanceof Comparison.Code code && code.slots > 1) {
        // each slot keys into one space (same salt): a number that is one record's mobile and
        // another's phone shares a block
        for (int slot = 0; slot < code.slots; slot++) {
          rules.add(rule(new Part(c.column, Transform.VALUE, slot * code.records())));
        }
      }
    }
    for (FieldRole role : List.of(FieldRole.PHONE, FieldRole.IDENTIFIER)) {
      Column c = t.column(role);
      if (c != null && c.size() == t.size()) {
        rules.add(rule(new Part(c, Transform.VALUE)));
      }
    }
    List<Part> anchors = new ArrayList<>();
    if (!t.givenNames.isEmpty() && !t.familyNames.isEmpty()) {
      Column g = t.givenNames.get(0);
      Column graw = t.givenRaw.get(0);
      Column f = t.familyNames.get(0);
      rules.add(rule(new Part(g, Transform.SOUNDEX), new Part(f, Transform.SOUNDEX)));
      rules.add(new Rule(List.of(new Part(graw, Transform.SOUNDEX), new Part(f, Transform.SOUNDEX)), true));
      rules.add(new Rule(List.of(new Part(graw, Transform.VALUE), new Part(f, Transform.VALUE)), true));
    }
    if (!t.givenNames.isEmpty()) {
      anchors.add(new Part(t.givenNames.get(0), Transform.VALUE));
    }
    if (!t.familyNames.isEmpty()) {
      anchors.add(new Part(t.familyNames.get(0), Transform.VALUE));
    }
    List<Part> contexts = new ArrayList<>();
    for (FieldRole role : List.of(FieldRole.DATE, FieldRole.POSTCODE, FieldRole.COMPANY, FieldRole.CITY, FieldRole.ADDRESS)) {
      Column c = t.column(role);
      if (c != null) {
        contexts.add(new Part(c, role == FieldRole.ADDRESS ? Transform.ADDRESS_CORE : Transform.VALUE));
      }
    }
    if (anchors.isEmpty()) {
      // organisations: the name and address alone, and the name's first word with each context
      for (FieldRole role : List.of(FieldRole.COMPANY, FieldRole.ADDRESS, FieldRole.TEXT)) {
        Column c = t.column(role);
        if (c != null) {
          rules.add(rule(new Part(c, role == FieldRole.ADDRESS ? Transform.ADDRESS_CORE : Transform.VALUE)));
          if (anchors.isEmpty()) {
            anchors.add(new Part(c, Transform.FIRST_TOKEN));
          }
        }
      }
    }
    Column city = t.column(FieldRole.CITY);
    boolean hasCompany = t.column(FieldRole.COMPANY) != null;
    for (Part a : anchors) {
      for (Part c : contexts) {
        // a given name in a city is the weakest key: with a company to pair it with, it only adds work
        boolean weak = hasCompany && c.column() == city && !t.givenNames.isEmpty() && a.column() == t.givenNames.get(0);
        if (c.column() != a.column() && !weak) {
          rules.add(rule(a, c));
        }
      }
    }
    // contexts with each other, for records whose names are both damaged (not company: colleagues)
    Column company = t.column(FieldRole.COMPANY);
    for (int x = 0; x < contexts.size(); x++) {
      for (int y = x + 1; y < contexts.size(); y++) {
        if (contexts.get(x).column() != company && contexts.get(y).column() != company) {
          rules.add(rule(contexts.get(x), contexts.get(y)));
        }
      }
    }
    if (rules.isEmpty()) {
      for (Comparison c : t.comparisons) {
        rules.add(rule(new Part(c.column, Transform.VALUE)));
      }
    }
    return rules;
  }

  private static Rule rule(Part... parts) {
    return new Rule(List.of(parts), false);
  }
}
