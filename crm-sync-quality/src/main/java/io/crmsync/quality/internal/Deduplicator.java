package io.crmsync.quality.internal;

import io.crmsync.quality.Cluster;
import io.crmsync.quality.ClusterExplanation;
import io.crmsync.quality.ComparisonDetail;
import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeListener;
import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.DedupeResult;
import io.crmsync.quality.DedupeStats;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.MergedRecord;
import io.crmsync.quality.PairExplanation;
import io.crmsync.quality.PairwiseMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/** Runs one deduplication: normalise, block, estimate, compare, cluster, merge. */
public final class Deduplicator {
  /** Candidate pairs EM looks at; beyond this it samples records (their pairs all go in). */
  static final long EM_SAMPLE_PAIRS = 1_000_000;
  /** log2 odds under which a pair is strong evidence of two different entities (1 : 1024). */
  static final double CONFLICT_LOG2_ODDS = -10;
  /** Random pairs added to EM at least (as many as sampled candidates otherwise). */
  static final long RANDOM_PAIRS_MIN = 20_000;
  /** Random pairs at most: u of the fuzzy levels is well estimated long before. */
  static final long RANDOM_PAIRS_MAX = 500_000;
  /** Random same-company pairs for u among colleagues: a few levels of three fields, well estimated. */
  static final long ANCHORED_PAIRS = 50_000;
  private static final int CHUNK = 2048;

  private final DataQualityEngine.Config config;
  private final List<DedupeRecord> input;
  private final DedupeListener listener;
  private final Map<String, Long> phaseMillis = new LinkedHashMap<>();
  private long phaseStart;
  private String phase = "";

  private Deduplicator(DataQualityEngine.Config config, List<DedupeRecord> input, DedupeListener listener) {
    this.config = config;
    this.input = input;
    this.listener = listener;
  }

  /** Runs the pipeline on a pool of {@code config.parallelism()} threads. */
  public static DedupeResult run(DataQualityEngine.Config config, List<DedupeRecord> input, DedupeListener listener) {
    ForkJoinPool pool = new ForkJoinPool(config.parallelism());
    try {
      return pool.submit(() -> new Deduplicator(config, input, listener).execute()).get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("deduplication interrupted", e);
    } finally {
      pool.shutdown();
    }
  }

  private void start(String name, long work) {
    phase = name;
    phaseStart = System.nanoTime();
    try {
      listener.phaseStarted(name, work);
    } catch (RuntimeException ignored) {
      // listeners cannot break a run
    }
  }

  private void progress(long done) {
    try {
      listener.progress(phase, done);
    } catch (RuntimeException ignored) {
      // listeners cannot break a run
    }
  }

  private void finish() {
    long millis = (System.nanoTime() - phaseStart) / 1_000_000;
    phaseMillis.merge(phase, millis, Long::sum);
    try {
      listener.phaseFinished(phase, millis);
    } catch (RuntimeException ignored) {
      // listeners cannot break a run
    }
  }

  private DedupeResult execute() {
    int n = input.size();
    start("normalize", n);
    DedupeRecord[] records = new DedupeRecord[n];
    for (int i = 0; i < n; i++) {
      records[i] = Objects.requireNonNull(input.get(i), "record at index " + i);
    }
    Arrays.parallelSort(records, Comparator.comparing(DedupeRecord::id));
    for (int i = 1; i < n; i++) {
      if (records[i].id().equals(records[i - 1].id())) {
        throw new IllegalArgumentException("two records have the id '" + records[i].id() + "'");
      }
    }
    Table table = new Table(records, config.schema(), config.defaultRegion());
    finish();

    start("block", n);
    BlockingIndex index = new BlockingIndex(table, BlockingIndex.defaultRules(table), config.maxBlockSize(),
        config.blockWindow());
    int[] candidates = new int[n];
    AtomicIntegerArray backward = new AtomicIntegerArray(n);
    int chunks = (n + CHUNK - 1) / CHUNK;
    long[] forwardTotal = new long[chunks];
    Object countPass = new Object();
    IntStream.range(0, chunks).parallel().forEach(c -> {
      int[] mark = marks(n, countPass);
      long t = 0;
      for (int i = c * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) {
        int f = index.forEachCandidate(i, mark, (a, b) -> backward.incrementAndGet(b));
        candidates[i] = f;
        t += f;
      }
      forwardTotal[c] = t;
    });
    long totalPairs = 0;
    int maxCandidates = 0;
    for (int i = 0; i < n; i++) {
      candidates[i] += backward.get(i);
      maxCandidates = Math.max(maxCandidates, candidates[i]);
    }
    for (long t : forwardTotal) {
      totalPairs += t;
    }
    finish();

    PairModel model;
    if (config.mode() == MatchMode.PROBABILISTIC) {
      start("estimate", Math.min(totalPairs, EM_SAMPLE_PAIRS));
      double fraction = totalPairs <= EM_SAMPLE_PAIRS ? 1.0 : (double) EM_SAMPLE_PAIRS / totalPairs;
      long cut = (long) (fraction * (1L << 53));
      Comparison[] comps = table.comparisons.toArray(new Comparison[0]);
      FellegiSunter.TfCodes tf = new FellegiSunter.TfCodes(table);
      Object estimatePass = new Object();
      LongCounts patterns = IntStream.range(0, chunks).parallel().mapToObj(c -> {
        int[] mark = marks(n, estimatePass);
        LongCounts counts = new LongCounts();
        for (int i = c * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) {
          if ((BlockingIndex.mix(i + 0x5DEECE66DL) >>> 11) < cut) {
            index.forEachCandidate(i, mark, (a, b) -> counts.add(tf.pattern(comps, a, b), 1));
          }
        }
        return counts;
      }).reduce(LongCounts::merge).orElseGet(LongCounts::new);
      // Random pairs anchor the non-match class: blocking can make candidates nearly all matches.
      long[][] candidatePatterns = patterns.sorted();
      long sampled = 0;
      for (long c : candidatePatterns[1]) {
        sampled += c;
      }
      LongCounts random = new LongCounts();
      if (n >= 2) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(0x5EED);
        long want = Math.max(RANDOM_PAIRS_MIN, Math.min(RANDOM_PAIRS_MAX, sampled));
        for (long k = 0; k < want; k++) {
          int a = rnd.nextInt(n);
          int b = rnd.nextInt(n - 1);
          if (b >= a) {
            b++;
          }
          random.add(FellegiSunter.pattern(comps, Math.min(a, b), Math.max(a, b)), 1);
        }
      }
      int anchor = FellegiSunter.contextAnchor(table);
      LongCounts anchored = anchor < 0 ? new LongCounts()
          : anchoredPairs(table, comps, comps[anchor].column, ANCHORED_PAIRS);
      double threshold = FellegiSunter.log2(config.matchProbability() / (1 - config.matchProbability()));
      model = FellegiSunter.estimate(table, tf, candidatePatterns, random.sorted(), anchor, anchored.sorted(),
          totalPairs, threshold, CONFLICT_LOG2_ODDS);
      finish();
    } else {
      model = new RulesModel(table, config.rules());
    }

    start("compare", totalPairs);
    AtomicLong compared = new AtomicLong();
    PairModel m = model;
    Object comparePass = new Object();
    Edges edges = IntStream.range(0, chunks).parallel().mapToObj(c -> {
      int[] mark = marks(n, comparePass);
      Edges e = new Edges();
      long done = 0;
      for (int i = c * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) {
        done += index.forEachCandidate(i, mark, (a, b) -> {
          double s = m.score(a, b);
          if (s >= m.threshold()) {
            e.add(a, b, s);
          }
        });
      }
      progress(compared.addAndGet(done));
      return e;
    }).reduce(Edges::merge).orElseGet(Edges::new);
    finish();

    start("cluster", edges.size);
    Integer[] order = new Integer[edges.size];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    Edges es = edges;
    Arrays.parallelSort(order, (x, y) -> {
      int c = Double.compare(es.score[y], es.score[x]);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(es.a[x], es.a[y]);
      return c != 0 ? c : Integer.compare(es.b[x], es.b[y]);
    });
    int[] ord = new int[order.length];
    for (int k = 0; k < ord.length; k++) {
      ord[k] = order[k];
    }
    Clusterer clusterer = new Clusterer(n, model, config.maxClusterSize());
    clusterer.offer(edges.a, edges.b, ord);
    int[] clusterOf = new int[n];
    int[] rootToCluster = new int[n];
    Arrays.fill(rootToCluster, -1);
    List<int[]> groups = new ArrayList<>();
    int[] groupSizes = new int[n];
    int clusterCount = 0;
    for (int i = 0; i < n; i++) {
      int r = clusterer.find(i);
      if (rootToCluster[r] < 0) {
        rootToCluster[r] = clusterCount++;
      }
      clusterOf[i] = rootToCluster[r];
      groupSizes[clusterOf[i]]++;
    }
    for (int c = 0; c < clusterCount; c++) {
      groups.add(new int[groupSizes[c]]);
    }
    int[] fill = new int[clusterCount];
    for (int i = 0; i < n; i++) {
      groups.get(clusterOf[i])[fill[clusterOf[i]]++] = i;
    }
    finish();

    start("merge", clusterCount);
    Merger merger = new Merger(config.schema(), config.masterPolicy(), config.fieldSurvivorship(),
        config.roleSurvivorship(), config.defaultSurvivorship());
    Cluster[] clusters = new Cluster[clusterCount];
    IntStream.range(0, clusterCount).parallel().forEach(c -> {
      int[] members = groups.get(c);
      List<DedupeRecord> rs = new ArrayList<>(members.length);
      List<String> ids = new ArrayList<>(members.length);
      for (int i : members) {
        rs.add(records[i]);
        ids.add(records[i].id());
      }
      int master = merger.master(rs);
      String clusterId = records[members[0]].id();
      MergedRecord merged = merger.merge(clusterId, rs, master);
      clusters[c] = new Cluster(clusterId, ids, rs.get(master).id(), merged);
    });
    finish();

    int duplicates = 0;
    for (int[] g : groups) {
      duplicates += g.length > 1 ? 1 : 0;
    }
    List<String> keys = new ArrayList<>();
    for (BlockingIndex.Rule r : index.rules) {
      keys.add(r.toString());
    }
    DedupeStats stats = new DedupeStats(n, config.mode(), keys, index.blocks, index.oversizedBlocks, totalPairs,
        n == 0 ? 0 : 2.0 * totalPairs / n, maxCandidates, edges.size, clusterCount, duplicates,
        clusterer.refusedConflict, clusterer.refusedSize, model.describe(), phaseMillis);
    return new Result(table, index, model, merger, List.of(clusters), clusterOf, candidates, clusterer, stats);
  }

  /**
   * Level patterns of random pairs drawn uniformly from the pairs of records with equal values of
   * {@code anchor} (a record at random among those whose value is shared, then another record with it).
   */
  private static LongCounts anchoredPairs(Table table, Comparison[] comps, Column anchor, long want) {
    int n = table.size();
    int[] start = new int[anchor.distinct() + 1];
    int shared = 0;
    for (int i = 0; i < n; i++) {
      int v = anchor.id(i);
      if (v >= 0 && anchor.count(v) >= 2) {
        start[v + 1]++;
        shared++;
      }
    }
    LongCounts out = new LongCounts();
    if (shared == 0) {
      return out;
    }
    for (int v = 0; v < anchor.distinct(); v++) {
      start[v + 1] += start[v];
    }
    int[] members = new int[shared];
    int[] fill = Arrays.copyOf(start, start.length - 1);
    for (int i = 0; i < n; i++) {
      int v = anchor.id(i);
      if (v >= 0 && anchor.count(v) >= 2) {
        members[fill[v]++] = i;
      }
    }
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(0xA2C40L);
    for (long k = 0; k < want; k++) {
      int a = members[rnd.nextInt(shared)];
      int v = anchor.id(a);
      int size = start[v + 1] - start[v];
      int pick = rnd.nextInt(size - 1);
      int b = members[start[v] + pick];
      if (b == a) {
        b = members[start[v] + size - 1];
      }
      out.add(FellegiSunter.pattern(comps, Math.min(a, b), Math.max(a, b)), 1);
    }
    return out;
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

  /** Growable match edges. */
  static final class Edges {
    int[] a = new int[16];
    int[] b = new int[16];
    double[] score = new double[16];
    int size;

    void add(int x, int y, double s) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
        b = Arrays.copyOf(b, size * 2);
        score = Arrays.copyOf(score, size * 2);
      }
      a[size] = x;
      b[size] = y;
      score[size] = s;
      size++;
    }

    Edges merge(Edges o) {
      for (int k = 0; k < o.size; k++) {
        add(o.a[k], o.b[k], o.score[k]);
      }
      return this;
    }
  }

  /** The result of a run. Immutable; thread-safe. */
  private static final class Result implements DedupeResult {
    private final Table table;
    private final BlockingIndex index;
    private final PairModel model;
    private final Merger merger;
    private final List<Cluster> clusters;
    private final int[] clusterOf;
    private final int[] candidates;
    private final int[] treeA;
    private final int[] treeB;
    private final DedupeStats stats;
    private final String[] ids;

    Result(Table table, BlockingIndex index, PairModel model, Merger merger, List<Cluster> clusters,
        int[] clusterOf, int[] candidates, Clusterer clusterer, DedupeStats stats) {
      this.table = table;
      this.index = index;
      this.model = model;
      this.merger = merger;
      this.clusters = clusters;
      this.clusterOf = clusterOf;
      this.candidates = candidates;
      this.treeA = Arrays.copyOf(clusterer.treeA, clusterer.treeEdges);
      this.treeB = Arrays.copyOf(clusterer.treeB, clusterer.treeEdges);
      this.stats = stats;
      this.ids = new String[table.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = table.record(i).id();
      }
    }

    private int indexOf(String id) {
      Objects.requireNonNull(id, "id");
      int k = Arrays.binarySearch(ids, id);
      if (k < 0) {
        throw new IllegalArgumentException("no input record has the id '" + id + "'");
      }
      return k;
    }

    @Override
    public List<Cluster> clusters() {
      return clusters;
    }

    @Override
    public List<Cluster> duplicateClusters() {
      return clusters.stream().filter(c -> c.size() > 1).toList();
    }

    @Override
    public Cluster clusterOf(String recordId) {
      return clusters.get(clusterOf[indexOf(recordId)]);
    }

    @Override
    public Optional<Cluster> cluster(String clusterId) {
      int k = Arrays.binarySearch(ids, clusterId);
      if (k < 0) {
        return Optional.empty();
      }
      Cluster c = clusters.get(clusterOf[k]);
      return c.id().equals(clusterId) ? Optional.of(c) : Optional.empty();
    }

    @Override
    public Map<String, String> clusterIds() {
      Map<String, String> m = new HashMap<>(ids.length * 2);
      for (int i = 0; i < ids.length; i++) {
        m.put(ids[i], clusters.get(clusterOf[i]).id());
      }
      return m;
    }

    @Override
    public DedupeStats stats() {
      return stats;
    }

    @Override
    public PairExplanation explain(String idA, String idB) {
      int a = indexOf(idA);
      int b = indexOf(idB);
      if (a == b) {
        throw new IllegalArgumentException("cannot explain a record against itself: " + idA);
      }
      PairExplanation e = model.explain(Math.min(a, b), Math.max(a, b));
      if (a > b) {
        // the caller's order: idA's values first
        List<ComparisonDetail> swapped = new ArrayList<>(e.comparisons().size());
        for (ComparisonDetail d : e.comparisons()) {
          swapped.add(new ComparisonDetail(d.name(), d.valueB(), d.valueA(), d.level(), d.weight(), d.note()));
        }
        return new PairExplanation(idA, idB, e.mode(), swapped, e.priorWeight(), e.totalWeight(),
            e.matchProbability(), e.match(), e.reason());
      }
      return e;
    }

    @Override
    public ClusterExplanation explainCluster(String clusterId) {
      Cluster c = cluster(clusterId).orElseThrow(
          () -> new IllegalArgumentException("no cluster has the id '" + clusterId + "'"));
      int ci = clusterOf[indexOf(clusterId)];
      Map<Integer, List<Integer>> adjacent = new HashMap<>();
      for (int e = 0; e < treeA.length; e++) {
        if (clusterOf[treeA[e]] == ci) {
          adjacent.computeIfAbsent(treeA[e], k -> new ArrayList<>()).add(treeB[e]);
          adjacent.computeIfAbsent(treeB[e], k -> new ArrayList<>()).add(treeA[e]);
        }
      }
      int master = indexOf(c.masterId());
      List<ClusterExplanation.Member> members = new ArrayList<>();
      members.add(new ClusterExplanation.Member(c.masterId(), null, null));
      ArrayDeque<Integer> queue = new ArrayDeque<>();
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      queue.add(master);
      seen.add(master);
      while (!queue.isEmpty()) {
        int x = queue.poll();
        for (int y : adjacent.getOrDefault(x, List.of())) {
          if (seen.add(y)) {
            queue.add(y);
            members.add(new ClusterExplanation.Member(ids[y], ids[x], explain(ids[y], ids[x])));
          }
        }
      }
      List<DedupeRecord> rs = new ArrayList<>();
      int masterPos = 0;
      for (String id : c.memberIds()) {
        if (id.equals(c.masterId())) {
          masterPos = rs.size();
        }
        rs.add(table.record(indexOf(id)));
      }
      return new ClusterExplanation(c.id(), c.masterId(), merger.masterReason(rs, masterPos), members);
    }

    @Override
    public int candidateCount(String recordId) {
      return candidates[indexOf(recordId)];
    }

    @Override
    public boolean isCandidatePair(String idA, String idB) {
      int a = indexOf(idA);
      int b = indexOf(idB);
      return a != b && index.isCandidate(a, b);
    }

    @Override
    public PairwiseMetrics evaluate(Map<String, String> truth) {
      Objects.requireNonNull(truth, "truth");
      Map<String, List<Integer>> entities = new HashMap<>();
      for (int i = 0; i < ids.length; i++) {
        String entity = truth.get(ids[i]);
        if (entity == null) {
          throw new IllegalArgumentException("truth has no entity for record '" + ids[i] + "'");
        }
        entities.computeIfAbsent(entity, k -> new ArrayList<>()).add(i);
      }
      long blocked = 0;
      for (List<Integer> members : entities.values()) {
        for (int x = 0; x < members.size(); x++) {
          for (int y = x + 1; y < members.size(); y++) {
            blocked += index.isCandidate(members.get(x), members.get(y)) ? 1 : 0;
          }
        }
      }
      return PairwiseMetrics.evaluate(clusterIds(), truth, blocked);
    }
  }
}
