/**
 * A junction tree for a set of cliques over discrete attributes: the
 * interaction graph is triangulated by greedy elimination — min-fill (ties by
 * the size of the clique created) and min-weight (the smallest clique created
 * first, Private-PGM's rule), keeping the one whose cliques hold fewer cells
 * (the model size AIM's cap bounds and every belief-propagation pass walks) —
 * the maximal elimination cliques become the
 * tree's nodes, and a maximum-weight spanning tree on separator sizes joins
 * them (Kruskal) — the running-intersection property then holds. Only public
 * structure (attribute sizes, clique lists) enters here.
 * @module
 * @see Koller & Friedman (2009), §9.4 and §10.4.
 */
import { cellCount, isSubset } from './factor.js';

/** A junction tree: maximal cliques, tree edges with separators, and a root-first order. */
export interface JunctionTree {
  /** The maximal cliques (sorted attribute lists). */
  readonly cliques: readonly (readonly number[])[];
  /** `parent[c]`: the clique's parent in the rooted tree (−1 for the root). */
  readonly parent: readonly number[];
  /** The cliques in root-first (breadth-first) order. */
  readonly order: readonly number[];
  /** `separator[c]`: the attributes `c` shares with its parent (sorted; empty for the root or across components). */
  readonly separator: readonly (readonly number[])[];
  /** The number of cells of all cliques together (the model size). */
  readonly size: number;
}

/**
 * Greedy elimination order of the interaction graph of `cliques` over `sizes.length` attributes.
 * @param sizes - each attribute's domain size.
 * @param cliques - the cliques (each a list of attributes).
 * @param rule - 'min-fill' (fewest fill edges first, ties by clique size; default) or 'min-weight' (smallest clique first, ties by fill).
 * @returns the elimination order and the clique each elimination creates.
 */
export function minFillElimination(
  sizes: readonly number[],
  cliques: readonly (readonly number[])[],
  rule: 'min-fill' | 'min-weight' = 'min-fill',
): { order: number[]; created: number[][] } {
  const n = sizes.length;
  const adj: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  for (const c of cliques) for (const a of c) for (const b of c) if (a !== b) adj[a]?.add(b);
  const alive = new Set<number>(Array.from({ length: n }, (_, i) => i));
  const order: number[] = [];
  const created: number[][] = [];
  while (alive.size > 0) {
    let best = -1;
    let bestFill = Number.POSITIVE_INFINITY;
    let bestSize = Number.POSITIVE_INFINITY;
    for (const v of alive) {
      const nb = [...(adj[v] as Set<number>)];
      let fill = 0;
      for (let i = 0; i < nb.length; i++) for (let j = i + 1; j < nb.length; j++) if (!adj[nb[i] as number]?.has(nb[j] as number)) fill++;
      const size = cellCount([v, ...nb].map((a) => sizes[a] as number));
      const better =
        rule === 'min-fill'
          ? fill < bestFill || (fill === bestFill && size < bestSize)
          : size < bestSize || (size === bestSize && fill < bestFill);
      if (better) {
        best = v;
        bestFill = fill;
        bestSize = size;
      }
    }
    const nb = [...(adj[best] as Set<number>)];
    for (const a of nb) for (const b of nb) if (a !== b) adj[a]?.add(b);
    for (const a of nb) adj[a]?.delete(best);
    alive.delete(best);
    order.push(best);
    created.push([best, ...nb].sort((x, y) => x - y));
  }
  return { order, created };
}

/**
 * Builds a junction tree covering every clique of `cliques` and every attribute.
 * @param sizes - each attribute's domain size.
 * @param cliques - the cliques the model must contain.
 * @returns the tree.
 */
export function buildJunctionTree(sizes: readonly number[], cliques: readonly (readonly number[])[]): JunctionTree {
  // Both greedy rules; the one whose cliques hold fewer cells wins (ties: min-fill). Min-weight is Private-PGM's rule.
  const a = maximalCliques(minFillElimination(sizes, cliques, 'min-fill').created);
  const b = maximalCliques(minFillElimination(sizes, cliques, 'min-weight').created);
  const cells = (m: readonly (readonly number[])[]) => m.reduce((t, c) => t + cellCount(c.map((x) => sizes[x] as number)), 0);
  return treeOf(sizes, cells(b) < cells(a) ? b : a);
}

/** The maximal cliques among the elimination cliques (largest first so subsets are dropped). */
function maximalCliques(created: readonly number[][]): number[][] {
  // Keep the maximal elimination cliques (largest first so subsets are dropped).
  const sorted = created.map((c, i) => ({ c, i })).sort((x, y) => y.c.length - x.c.length || x.i - y.i);
  const maximal: number[][] = [];
  for (const { c } of sorted) if (!maximal.some((m) => isSubset(c, m))) maximal.push(c);
  return maximal;
}

/** The junction tree on the maximal cliques of a triangulation. */
function treeOf(sizes: readonly number[], maximal: readonly number[][]): JunctionTree {
  const k = maximal.length;
  // Kruskal on separator sizes; ties keep the lower indices; weight-0 edges join components.
  const edges: { a: number; b: number; w: number }[] = [];
  for (let a = 0; a < k; a++)
    for (let b = a + 1; b < k; b++) {
      const w = (maximal[a] as number[]).filter((x) => (maximal[b] as number[]).includes(x)).length;
      edges.push({ a, b, w });
    }
  edges.sort((x, y) => y.w - x.w || x.a - y.a || x.b - y.b);
  const root = Array.from({ length: k }, (_, i) => i);
  const find = (x: number): number => {
    let r = x;
    while (root[r] !== r) r = root[r] as number;
    root[x] = r;
    return r;
  };
  const nbrs: number[][] = Array.from({ length: k }, () => []);
  for (const { a, b } of edges) {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) continue;
    root[ra] = rb;
    nbrs[a]?.push(b);
    nbrs[b]?.push(a);
  }
  const parent = new Array<number>(k).fill(-1);
  const order: number[] = [];
  const seen = new Array<boolean>(k).fill(false);
  for (let s = 0; s < k; s++) {
    if (seen[s]) continue;
    seen[s] = true;
    order.push(s);
    for (let q = order.length - 1; q < order.length; q++) {
      const c = order[q] as number;
      for (const d of nbrs[c] as number[])
        if (!seen[d]) {
          seen[d] = true;
          parent[d] = c;
          order.push(d);
        }
    }
  }
  const separator = parent.map((p, c) => (p < 0 ? [] : (maximal[c] as number[]).filter((x) => (maximal[p] as number[]).includes(x))));
  const size = maximal.reduce((t, c) => t + cellCount(c.map((a) => sizes[a] as number)), 0);
  return { cliques: maximal, parent, order, separator, size };
}

/**
 * The number of cells of the junction tree a model with `cliques` would need
 * (AIM's model-size cap is checked on this before anything is measured).
 */
export function junctionTreeSize(sizes: readonly number[], cliques: readonly (readonly number[])[]): number {
  return buildJunctionTree(sizes, cliques).size;
}
