/**
 * Log-space belief propagation on a junction tree (Shafer–Shenoy): from the
 * log-potentials of a graphical model, the calibrated log-beliefs of every
 * junction-tree clique, normalised to a total. Exact on a junction tree; the
 * marginal of any set of attributes inside one clique is a projection of that
 * clique's belief.
 * @module
 * @see McKenna, Sheldon, Miklau (2019), "Graphical-model based estimation and inference for differential privacy", §4.
 */
import { addInto, type Factor, isSubset, logSumProject, sumProject, zeroFactor } from './factor.js';
import { buildJunctionTree, type JunctionTree } from './junction-tree.js';

/** The public structure of a graphical model: attribute sizes, its cliques and their junction tree. */
export interface ModelStructure {
  readonly sizes: readonly number[];
  /** The model's cliques (sorted attribute lists): one log-potential each. */
  readonly cliques: readonly (readonly number[])[];
  readonly tree: JunctionTree;
  /** `home[r]`: the junction-tree clique that holds model clique `r`. */
  readonly home: readonly number[];
}

/**
 * Builds the structure of a model over `sizes.length` attributes with the cliques `cliques`
 * (subsets of another clique are dropped; duplicates merged).
 * @param sizes - each attribute's domain size.
 * @param cliques - the cliques.
 * @returns the structure.
 */
export function modelStructure(sizes: readonly number[], cliques: readonly (readonly number[])[]): ModelStructure {
  const sorted = cliques.map((c) => [...new Set(c)].sort((a, b) => a - b));
  sorted.sort((a, b) => b.length - a.length);
  const maximal: number[][] = [];
  for (const c of sorted) if (!maximal.some((m) => isSubset(c, m))) maximal.push(c);
  const tree = buildJunctionTree(sizes, maximal);
  const home = maximal.map((c) => tree.cliques.findIndex((t) => isSubset(c, t)));
  if (home.some((h) => h < 0)) throw new Error('internal: a model clique lies in no junction-tree clique');
  return { sizes, cliques: maximal, tree, home };
}

/** Zero log-potentials (the uniform distribution) for every clique of `model`. */
export function zeroPotentials(model: ModelStructure): Factor[] {
  return model.cliques.map((c) => zeroFactor(c, model.sizes));
}

/**
 * Calibrates the junction tree: the log of `total` times the joint distribution
 * ∝ exp(Σ potentials), marginalised to each junction-tree clique.
 * @param model - the structure.
 * @param potentials - one log-potential per model clique.
 * @param total - the number of records the beliefs sum to (> 0).
 * @returns one log-belief per junction-tree clique; exp of each sums to `total`.
 */
export function calibrate(model: ModelStructure, potentials: readonly Factor[], total: number): Factor[] {
  const { tree, sizes } = model;
  const k = tree.cliques.length;
  const pot = tree.cliques.map((c) => zeroFactor(c, sizes));
  potentials.forEach((p, r) => {
    addInto(pot[model.home[r] as number] as Factor, p);
  });
  const children: number[][] = Array.from({ length: k }, () => []);
  for (let c = 0; c < k; c++) {
    const p = tree.parent[c] as number;
    if (p >= 0) children[p]?.push(c);
  }
  const up: (Factor | undefined)[] = new Array(k); // message c → parent
  const down: (Factor | undefined)[] = new Array(k); // message parent → c
  for (let q = k - 1; q >= 0; q--) {
    const c = tree.order[q] as number;
    if ((tree.parent[c] as number) < 0) continue;
    const f = { ...(pot[c] as Factor), values: Float64Array.from((pot[c] as Factor).values) };
    for (const ch of children[c] as number[]) addInto(f, up[ch] as Factor);
    up[c] = logSumProject(f, tree.separator[c] as number[]);
  }
  const beliefs: Factor[] = new Array(k);
  for (const c of tree.order) {
    const b = { ...(pot[c] as Factor), values: Float64Array.from((pot[c] as Factor).values) };
    if ((tree.parent[c] as number) >= 0) addInto(b, down[c] as Factor);
    for (const ch of children[c] as number[]) addInto(b, up[ch] as Factor);
    beliefs[c] = b;
    for (const ch of children[c] as number[]) {
      // Message to a child: the belief less what the child sent, summed onto the separator.
      const m = { ...b, values: Float64Array.from(b.values) };
      addInto(m, up[ch] as Factor, -1);
      down[ch] = logSumProject(m, tree.separator[ch] as number[]);
    }
  }
  const logTotal = Math.log(total);
  for (const b of beliefs) {
    const z = logSumProject(b, []).values[0] as number;
    const shift = logTotal - z;
    const v = b.values;
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + shift;
  }
  return beliefs;
}

/** exp of a log-factor, as counts. */
export function expFactor(f: Factor): Factor {
  const out = new Float64Array(f.values.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(f.values[i] as number);
  return { attrs: f.attrs, shape: f.shape, values: out };
}

/**
 * The marginal counts of every model clique under `potentials`.
 * @param model - the structure.
 * @param potentials - one log-potential per model clique.
 * @param total - the number of records.
 * @returns one count table per model clique.
 */
export function cliqueMarginals(model: ModelStructure, potentials: readonly Factor[], total: number): Factor[] {
  const beliefs = calibrate(model, potentials, total).map(expFactor);
  return model.cliques.map((c, r) => sumProject(beliefs[model.home[r] as number] as Factor, c));
}

/**
 * The marginal counts over `attrs` when they lie in one junction-tree clique.
 * @returns the table, or undefined when no clique holds all of `attrs`.
 */
export function projectBeliefs(model: ModelStructure, beliefs: readonly Factor[], attrs: readonly number[]): Factor | undefined {
  const sorted = [...attrs].sort((a, b) => a - b);
  const c = model.tree.cliques.findIndex((t) => isSubset(sorted, t));
  return c < 0 ? undefined : sumProject(beliefs[c] as Factor, sorted);
}
