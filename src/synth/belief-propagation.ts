/**
 * Log-space belief propagation on a junction tree (Shafer–Shenoy): from the
 * log-potentials of a graphical model, the calibrated log-beliefs of every
 * junction-tree clique, normalised to a total. Exact on a junction tree; the
 * marginal of any set of attributes inside one clique is a projection of that
 * clique's belief.
 * @module
 * @see McKenna, Sheldon, Miklau (2019), "Graphical-model based estimation and inference for differential privacy", §4.
 */
import { addInto, type Factor, isSubset, logSumProject, smallestHolding, sumProject, zeroFactor } from './factor.js';
import { buildJunctionTree, type JunctionTree } from './junction-tree.js';

/** The public structure of a graphical model: attribute sizes, its cliques and their junction tree. */
export interface ModelStructure {
  readonly sizes: readonly number[];
  /** The model's cliques (sorted attribute lists): one log-potential each. */
  readonly cliques: readonly (readonly number[])[];
  readonly tree: JunctionTree;
  /** `home[r]`: the smallest junction-tree clique that holds model clique `r`. */
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
  const home = maximal.map((c) => smallestHolding(tree.cliques, sizes, c));
  if (home.some((h) => h < 0)) throw new Error('internal: a model clique lies in no junction-tree clique');
  return { sizes, cliques: maximal, tree, home };
}

/** Zero log-potentials (the uniform distribution) for every clique of `model`. */
export function zeroPotentials(model: ModelStructure): Factor[] {
  return model.cliques.map((c) => zeroFactor(c, model.sizes));
}

/**
 * The two passes of Shafer–Shenoy on the junction tree: unnormalised log-beliefs, one per junction-tree clique
 * (each ∝ the joint ∝ exp(Σ potentials) marginalised to the clique, with the same unknown constant).
 * The message down to a child is the parent's belief summed onto the separator less what the child sent up
 * (log Σ_{c∖s} exp(b) = up(s) + log Σ_{c∖s} exp(b − up) since `up` is constant over c∖s): one projection of the
 * belief per child instead of a copy, a subtraction over the whole clique and a projection. Messages are finite
 * (finite potentials), so the subtraction is exact up to rounding.
 */
function logBeliefs(model: ModelStructure, potentials: readonly Factor[]): Factor[] {
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
    // pot[c] is not read again: the belief is built in place.
    const b = pot[c] as Factor;
    if ((tree.parent[c] as number) >= 0) addInto(b, down[c] as Factor);
    for (const ch of children[c] as number[]) addInto(b, up[ch] as Factor);
    beliefs[c] = b;
    for (const ch of children[c] as number[]) {
      const m = logSumProject(b, tree.separator[ch] as number[]);
      const u = (up[ch] as Factor).values;
      for (let i = 0; i < m.values.length; i++) m.values[i] = (m.values[i] as number) - (u[i] as number);
      down[ch] = m;
    }
  }
  return beliefs;
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
  const beliefs = logBeliefs(model, potentials);
  const logTotal = Math.log(total);
  for (const b of beliefs) {
    const z = logSumProject(b, []).values[0] as number;
    const shift = logTotal - z;
    const v = b.values;
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + shift;
  }
  return beliefs;
}

/**
 * The calibrated beliefs as counts: `total` times the joint distribution ∝ exp(Σ potentials), marginalised to
 * each junction-tree clique (= `calibrate` then exp, with one exponential per cell instead of two).
 * @param model - the structure.
 * @param potentials - one log-potential per model clique.
 * @param total - the number of records each belief sums to (> 0).
 * @returns one count table per junction-tree clique.
 */
export function calibratedCounts(model: ModelStructure, potentials: readonly Factor[], total: number): Factor[] {
  return logBeliefs(model, potentials).map((b) => {
    const v = b.values;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < v.length; i++) if ((v[i] as number) > max) max = v[i] as number;
    const out = new Float64Array(v.length);
    let sum = 0;
    for (let i = 0; i < v.length; i++) {
      const e = Math.exp((v[i] as number) - max);
      out[i] = e;
      sum += e;
    }
    const scale = total / sum;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale;
    return { attrs: b.attrs, shape: b.shape, values: out };
  });
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
  const beliefs = calibratedCounts(model, potentials, total);
  return model.cliques.map((c, r) => sumProject(beliefs[model.home[r] as number] as Factor, c));
}

/**
 * The marginal counts over `attrs` when they lie in one junction-tree clique.
 * @returns the table, or undefined when no clique holds all of `attrs`.
 */
export function projectBeliefs(model: ModelStructure, beliefs: readonly Factor[], attrs: readonly number[]): Factor | undefined {
  const sorted = [...attrs].sort((a, b) => a - b);
  const c = smallestHolding(model.tree.cliques, model.sizes, sorted);
  return c < 0 ? undefined : sumProject(beliefs[c] as Factor, sorted);
}
