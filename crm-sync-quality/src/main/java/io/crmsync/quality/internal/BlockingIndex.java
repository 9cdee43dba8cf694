package io.crmsync.quality.internal;

import io.crmsync.quality.FieldRole;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Blocking: several keys per record, unioned. Records sharing a key value form a block, and only pairs
 * within a block become candidates, each pair once however many keys it shares. A block larger than
 * {@code maxBlockSize} (a common name, a big account) is not compared all-pairs: its members are sorted
 * by their other fields and each is paired with its {@code window} neighbours (sorted neighbourhood),
 * so the cost stays linear.
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
    long[][] perRule = new long[rules.size()][];
    for (int r = 0; r < rules.size(); r++) {
      Rule rule = rules.get(r);
      // rules that print alike (the slots of one multi-valued field) share a key space
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
      perRule[r] = keys;
    }
    int total = 0;
    for (long[] keys : perRule) {
      for (long k : keys) {
        total += k == -1 ? 0 : 1;
      }
    }
    long[] all = new long[total];
    int at = 0;
    for (long[] keys : perRule) {
      for (long k : keys) {
        if (k != -1) {
          all[at++] = k;
        }
      }
    }
    // -1 can also be a genuine packed key; that record merely loses one of its keys.
    Arrays.parallelSort(all);

    int[] starts = new int[16];
    int[] members = new int[total];
    int memberCount = 0;
    int blockCount = 0;
    int over = 0;
    List<int[]> oversizedRanges = new ArrayList<>();
    for (int s = 0; s < total; ) {
      long key = all[s] >>> idxBits;
      int e = s + 1;
      while (e < total && (all[e] >>> idxBits) == key) {
        e++;
      }
      int size = e - s;
      if (size >= 2) {
        if (blockCount + 2 > starts.length) {
          starts = Arrays.copyOf(starts, starts.length * 2);
        }
        starts[blockCount] = memberCount;
        int prev = -1;
        for (int k = s; k < e; k++) {
          int rec = (int) (all[k] & idxMask);
          if (rec != prev) { // a record can hash twice into one block only through a collision of rules
            members[memberCount++] = rec;
            prev = rec;
          }
        }
        if (memberCount - starts[blockCount] > maxBlockSize) {
          oversizedRanges.add(new int[] {blockCount, starts[blockCount], memberCount});
          over++;
        }
        blockCount++;
      }
      s = e;
    }
    starts = Arrays.copyOf(starts, blockCount + 1);
    starts[blockCount] = memberCount;
    this.blockStart = starts;
    this.blockMembers = Arrays.copyOf(members, memberCount);
    this.blocks = blockCount;
    this.oversizedBlocks = over;
    this.oversized = new boolean[blockCount];
    if (!oversizedRanges.isEmpty()) {
      // sorted neighbourhood: order members by the value ids of the first two fields that are not
      // names (company and city for contacts), so neighbours share them; ties by record index
      List<Column> order = new ArrayList<>();
      for (Comparison c : table.comparisons) {
        if (!(c instanceof Comparison.Name) && order.size() < 2) {
          order.add(c.column);
        }
      }
      for (int[] range : oversizedRanges) {
        oversized[range[0]] = true;
        int size = range[2] - range[1];
        if (size >= 1 << 22) {
          continue; // beyond the packing: keep record order
        }
        long[] packed = new long[size];
        for (int k = 0; k < size; k++) {
          int rec = blockMembers[range[1] + k];
          long key = 0;
          for (Column c : order) {
            int id = c.id(rec);
            key = (key << 21) | (id < 0 ? 0x1FFFFF : Math.min(id, 0x1FFFFE));
          }
          packed[k] = (key << 22) | k; // members are in record order, so k breaks ties by index
        }
        Arrays.sort(packed);
        int[] sorted = new int[size];
        for (int k = 0; k < size; k++) {
          sorted[k] = blockMembers[range[1] + (int) (packed[k] & 0x3FFFFF)];
        }
        System.arraycopy(sorted, 0, blockMembers, range[1], size);
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

  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
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
        from = Math.max(blockStart[b], pos - window);
        to = Math.min(blockStart[b + 1], pos + window + 1);
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
        if (!oversized[ba] || Math.abs(recordPos[a] - recordPos[c]) <= window) {
          return true;
        }
        a++;
        c++;
      }
    }
    return false;
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
