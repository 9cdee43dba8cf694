package io.crmsync.quality.internal;

import io.crmsync.quality.Cluster;
import io.crmsync.quality.ClusterExplanation;
import io.crmsync.quality.ComparisonDetail;
import io.crmsync.quality.DataQualityEngine;
import io.crmsync.quality.DedupeListener;
import io.crmsync.quality.DedupePhase;
import io.crmsync.quality.DedupeRecord;
import io.crmsync.quality.DedupeResult;
import io.crmsync.quality.DedupeStats;
import io.crmsync.quality.MatchMode;
import io.crmsync.quality.MergedRecord;
import io.crmsync.quality.PairExplanation;
import io.crmsync.quality.PairwiseMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Runs one deduplication, one method per {@link DedupePhase}: normalise, block, estimate, compare,
 * cluster, merge. Each phase takes what the ones before it made and hands on a value; this class only
 * times them and tells the listener.
 */
public final class Deduplicator {
  /** log2 odds under which a pair is strong evidence of two different entities (1 : 1024). */
  static final double CONFLICT_LOG2_ODDS = -10;

  private final DataQualityEngine.Config config;
  private final List<DedupeRecord> input;
  private final DedupeListener listener;
  private final Map<DedupePhase, Duration> phaseTimes = new EnumMap<>(DedupePhase.class);

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

  private DedupeResult execute() {
    int n = input.size();
    Table table = phase(DedupePhase.NORMALIZE, n, this::normalize);
    Candidates candidates = phase(DedupePhase.BLOCK, n, () -> block(table));
    PairModel model = config.mode() == MatchMode.PROBABILISTIC
        ? phase(DedupePhase.ESTIMATE, Math.min(candidates.pairs(), FellegiSunterFit.SAMPLE_PAIRS),
            () -> FellegiSunterFit.fit(table, candidates.index(), candidates.pairs(), config.matchProbability(),
                CONFLICT_LOG2_ODDS))
        : new RulesModel(table, config.rules());
    Edges edges = phase(DedupePhase.COMPARE, candidates.pairs(), () -> compare(candidates.index(), model));
    Clustering clustering = phase(DedupePhase.CLUSTER, edges.size, () -> cluster(n, edges, model));
    Merger merger = new Merger(config.schema(), config.masterPolicy(), config.fieldSurvivorship(),
        config.roleSurvivorship(), config.defaultSurvivorship());
    List<Cluster> clusters = phase(DedupePhase.MERGE, clustering.groups().size(),
        () -> merge(table, clustering, merger));

    List<String> keys = new ArrayList<>();
    for (BlockingIndex.Rule r : candidates.index().rules) {
      keys.add(r.toString());
    }
    int duplicates = 0;
    for (int[] g : clustering.groups()) {
      duplicates += g.length > 1 ? 1 : 0;
    }
    long pairs = candidates.pairs();
    DedupeStats stats = new DedupeStats(n, config.mode(), keys, candidates.index().blocks,
        candidates.index().oversizedBlocks, pairs, n == 0 ? 0 : 2.0 * pairs / n, candidates.max(), edges.size,
        clusters.size(), duplicates, clustering.clusterer().refusedConflict, clustering.clusterer().refusedSize,
        model.describe(), phaseTimes);
    return new Result(table, candidates.index(), model, merger, clusters, clustering.clusterOf(),
        candidates.perRecord(), clustering.clusterer(), stats);
  }

  /** Runs one phase: tells the listener, times it. */
  private <T> T phase(DedupePhase phase, long work, Supplier<T> body) {
    long start = System.nanoTime();
    try {
      listener.phaseStarted(phase, work);
    } catch (RuntimeException ignored) {
      // listeners cannot break a run
    }
    T out = body.get();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    phaseTimes.merge(phase, elapsed, Duration::plus);
    try {
      listener.phaseFinished(phase, elapsed);
    } catch (RuntimeException ignored) {
      // listeners cannot break a run
    }
    return out;
  }

  private void progress(DedupePhase phase, long done) {
    try {
      listener.progress(phase, done);
    } catch (RuntimeException ignored) {
      // listeners cannot break a run
    }
  }

  /** {@link DedupePhase#NORMALIZE}: records sorted by id (ids must be unique), fields normalised. */
  private Table normalize() {
    int n = input.size();
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
    return new Table(records, config.schema(), config.defaultRegion());
  }

  /**
   * The blocking index with its candidate pairs counted: in all, per record, and the most one record
   * has.
   */
  private record Candidates(BlockingIndex index, long pairs, int[] perRecord, int max) {}

  /** {@link DedupePhase#BLOCK}: the blocking index, and how many candidates each record has. */
  private Candidates block(Table table) {
    int n = table.size();
    BlockingIndex index = new BlockingIndex(table, BlockingIndex.defaultRules(table), config.maxBlockSize(),
        config.blockWindow());
    int[] perRecord = new int[n];
    AtomicIntegerArray backward = new AtomicIntegerArray(n);
    long pairs = index.chunks((from, to, mark) -> {
      long forward = 0;
      for (int i = from; i < to; i++) {
        int f = index.forEachCandidate(i, mark, (a, b) -> backward.incrementAndGet(b));
        perRecord[i] = f;
        forward += f;
      }
      return forward;
    }).mapToLong(Long::longValue).sum();
    int max = 0;
    for (int i = 0; i < n; i++) {
      perRecord[i] += backward.get(i);
      max = Math.max(max, perRecord[i]);
    }
    return new Candidates(index, pairs, perRecord, max);
  }

  /** {@link DedupePhase#COMPARE}: every candidate pair scored; those at or above the threshold kept. */
  private Edges compare(BlockingIndex index, PairModel model) {
    AtomicLong compared = new AtomicLong();
    return index.chunks((from, to, mark) -> {
      Edges e = new Edges();
      long done = 0;
      for (int i = from; i < to; i++) {
        done += index.forEachCandidate(i, mark, (a, b) -> {
          double s = model.score(a, b);
          if (s >= model.threshold()) {
            e.add(a, b, s);
          }
        });
      }
      progress(DedupePhase.COMPARE, compared.addAndGet(done));
      return e;
    }).reduce(Edges::merge).orElseGet(Edges::new);
  }

  /** The clusters: the union-find that made them, each record's cluster, and each cluster's members. */
  private record Clustering(Clusterer clusterer, int[] clusterOf, List<int[]> groups) {}

  /** {@link DedupePhase#CLUSTER}: matches joined strongest first (ties by record index), guarded against chains. */
  private Clustering cluster(int n, Edges edges, PairModel model) {
    Integer[] order = new Integer[edges.size];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    Arrays.parallelSort(order, (x, y) -> {
      int c = Double.compare(edges.score[y], edges.score[x]);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(edges.a[x], edges.a[y]);
      return c != 0 ? c : Integer.compare(edges.b[x], edges.b[y]);
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
    List<int[]> groups = new ArrayList<>(clusterCount);
    for (int c = 0; c < clusterCount; c++) {
      groups.add(new int[groupSizes[c]]);
    }
    int[] fill = new int[clusterCount];
    for (int i = 0; i < n; i++) {
      groups.get(clusterOf[i])[fill[clusterOf[i]]++] = i;
    }
    return new Clustering(clusterer, clusterOf, groups);
  }

  /** {@link DedupePhase#MERGE}: a master and a merged record per cluster; a cluster's id is its first member's. */
  private static List<Cluster> merge(Table table, Clustering clustering, Merger merger) {
    List<int[]> groups = clustering.groups();
    Cluster[] clusters = new Cluster[groups.size()];
    IntStream.range(0, clusters.length).parallel().forEach(c -> {
      int[] members = groups.get(c);
      List<DedupeRecord> rs = new ArrayList<>(members.length);
      List<String> ids = new ArrayList<>(members.length);
      for (int i : members) {
        rs.add(table.record(i));
        ids.add(table.record(i).id());
      }
      int master = merger.master(rs);
      String clusterId = table.record(members[0]).id();
      MergedRecord merged = merger.merge(clusterId, rs, master);
      clusters[c] = new Cluster(clusterId, ids, rs.get(master).id(), merged);
    });
    return List.of(clusters);
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
