package io.crmsync.quality.internal;

import java.util.Arrays;

/**
 * Union-find over match edges, strongest first, guarded against chains: a union is refused when the
 * merged cluster would exceed {@code maxClusterSize}, or when any member of one side {@link
 * PairModel#conflicts conflicts} with any member of the other. So one shared role mailbox or switchboard
 * number cannot pull a whole company into one cluster: however the edges run, two people whose names
 * clearly differ never end up together. Not thread-safe; used once.
 */
final class Clusterer {
  private final PairModel model;
  private final int maxClusterSize;
  final int[] parent;
  private final int[] size;
  /** Circular member lists: next[x] is the next member of x's cluster. */
  private final int[] next;
  /** The edges that joined clusters: the spanning forest, for explanations. */
  int[] treeA = new int[16];
  int[] treeB = new int[16];
  int treeEdges;
  long refusedConflict;
  long refusedSize;

  Clusterer(int n, PairModel model, int maxClusterSize) {
    this.model = model;
    this.maxClusterSize = maxClusterSize;
    parent = new int[n];
    size = new int[n];
    next = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = i;
      size[i] = 1;
      next[i] = i;
    }
  }

  int find(int x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }

  /** Offers the edges in order (already sorted strongest first, ties by record index). */
  void offer(int[] a, int[] b, int[] order) {
    for (int e : order) {
      int x = a[e];
      int y = b[e];
      int rx = find(x);
      int ry = find(y);
      if (rx == ry) {
        continue;
      }
      if (size[rx] + size[ry] > maxClusterSize) {
        refusedSize++;
        continue;
      }
      if ((size[rx] > 1 || size[ry] > 1) && conflict(rx, ry, x, y)) {
        refusedConflict++;
        continue;
      }
      if (size[rx] < size[ry]) {
        int t = rx;
        rx = ry;
        ry = t;
      }
      parent[ry] = rx;
      size[rx] += size[ry];
      int t = next[rx];
      next[rx] = next[ry];
      next[ry] = t;
      if (treeEdges == treeA.length) {
        treeA = Arrays.copyOf(treeA, treeEdges * 2);
        treeB = Arrays.copyOf(treeB, treeEdges * 2);
      }
      treeA[treeEdges] = x;
      treeB[treeEdges] = y;
      treeEdges++;
    }
  }

  /**
   * Whether merging the clusters of x and y would join members that conflict: one cross pair that is
   * strong evidence of different entities, or cross pairs that on average say "different".
   */
  private boolean conflict(int rx, int ry, int x, int y) {
    double sum = 0;
    int pairs = 0;
    int p = rx;
    do {
      int q = ry;
      do {
        int a = Math.min(p, q);
        int b = Math.max(p, q);
        double s = model.score(a, b);
        if (model.conflicts(a, b, s)) {
          return true;
        }
        sum += s;
        pairs++;
        q = next[q];
      } while (q != ry);
      p = next[p];
    } while (p != rx);
    return sum / pairs < model.conflictMean();
  }
}
