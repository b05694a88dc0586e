/**
 * Marginals of a graphical model over any set of attributes, also those no
 * junction-tree clique holds: variable elimination in log space on the
 * log-potentials (greedy order: the variable whose elimination builds the
 * smallest table first), normalised to the record total.
 * @module
 * @see Koller & Friedman (2009), §9.3.
 */
import { calibratedCounts, expFactor, type ModelStructure, projectBeliefs } from './belief-propagation.js';
import { addInto, cellCount, type Factor, logSumProject, zeroFactor } from './factor.js';

function union(fs: readonly Factor[]): number[] {
  const s = new Set<number>();
  for (const f of fs) for (const a of f.attrs) s.add(a);
  return [...s].sort((a, b) => a - b);
}

/**
 * The marginal counts over `attrs` of the model ∝ exp(Σ potentials) with `total` records.
 * @param model - the structure.
 * @param potentials - the log-potentials.
 * @param total - the record total.
 * @param attrs - the attributes (any subset).
 * @returns the counts, row-major over the sorted `attrs`.
 */
export function marginalOf(model: ModelStructure, potentials: readonly Factor[], total: number, attrs: readonly number[]): Factor {
  const query = [...new Set(attrs)].sort((a, b) => a - b);
  let factors: Factor[] = [...potentials];
  const others = new Set<number>();
  for (const f of factors) for (const a of f.attrs) if (!query.includes(a)) others.add(a);
  while (others.size > 0) {
    let best = -1;
    let bestSize = Number.POSITIVE_INFINITY;
    for (const v of others) {
      const size = cellCount(union(factors.filter((f) => f.attrs.includes(v))).map((a) => model.sizes[a] as number));
      if (size < bestSize) {
        best = v;
        bestSize = size;
      }
    }
    const touching = factors.filter((f) => f.attrs.includes(best));
    const joint = zeroFactor(union(touching), model.sizes);
    for (const f of touching) addInto(joint, f);
    factors = factors.filter((f) => !f.attrs.includes(best));
    factors.push(
      logSumProject(
        joint,
        joint.attrs.filter((a) => a !== best),
      ),
    );
    others.delete(best);
  }
  const result = zeroFactor(query, model.sizes);
  for (const f of factors) addInto(result, f);
  const z = logSumProject(result, []).values[0] as number;
  const out = expFactor({ ...result, values: result.values.map((v) => v - z) });
  for (let i = 0; i < out.values.length; i++) out.values[i] = (out.values[i] as number) * total;
  return out;
}

/**
 * A marginal oracle for one fitted model: projections of the calibrated beliefs where a clique
 * holds the attributes, variable elimination otherwise.
 */
export function marginalOracle(model: ModelStructure, potentials: readonly Factor[], total: number): (attrs: readonly number[]) => Factor {
  const beliefs = calibratedCounts(model, potentials, total);
  return (attrs) => projectBeliefs(model, beliefs, attrs) ?? marginalOf(model, potentials, total, attrs);
}
