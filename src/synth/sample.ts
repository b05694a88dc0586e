/**
 * Sampling records from a fitted graphical model, as Private-PGM does:
 * forward along the junction tree, one attribute at a time, each conditioned
 * on the attributes already drawn in its clique; within every group of rows
 * that share those values, the conditional counts are scaled to the group's
 * size, rounded down, the remainder given to cells drawn without replacement
 * with probability ∝ the fractional parts, and the values shuffled. The
 * marginals of the output then match the model's to within one record per
 * cell. Post-processing: no privacy cost; randomness from a tsdp source.
 * @module
 * @see McKenna, Sheldon, Miklau (2019); Private-PGM `GraphicalModel.synthetic_data`.
 */
import { DpError } from '../core/index.js';
import { type RandomSource, sampleUniformBelow } from '../random/index.js';
import { calibratedCounts, type ModelStructure } from './belief-propagation.js';
import { alignedStrides, type Factor, sumProject } from './factor.js';

function uniform01(rng: RandomSource): number {
  return (rng.nextUint32() + 0.5) / 4_294_967_296;
}

/** Fisher–Yates. */
function shuffle(a: Int32Array, rng: RandomSource): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = sampleUniformBelow(i + 1, rng);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}

/**
 * `total` values with the proportions `counts` (non-negative), by deterministic rounding:
 * each value appears ⌊total·pᵥ⌋ or ⌊total·pᵥ⌋ + 1 times, in a random order.
 * @param counts - the non-negative weights (all zero reads as uniform).
 * @param total - how many values.
 * @param rng - the random source.
 * @returns the values.
 */
export function roundedColumn(counts: ArrayLike<number>, total: number, rng: RandomSource): Int32Array {
  const k = counts.length;
  let sum = 0;
  for (let v = 0; v < k; v++) sum += Math.max(0, counts[v] as number);
  const scaled = new Float64Array(k);
  for (let v = 0; v < k; v++) scaled[v] = sum > 0 && Number.isFinite(sum) ? (Math.max(0, counts[v] as number) * total) / sum : total / k;
  const integer = new Int32Array(k);
  let used = 0;
  for (let v = 0; v < k; v++) {
    integer[v] = Math.floor(scaled[v] as number);
    used += integer[v] as number;
  }
  let extra = total - used;
  if (extra > 0) {
    // Efraimidis–Spirakis: the `extra` largest keys log(u)/w are a weighted draw without replacement.
    const keys: { v: number; key: number }[] = [];
    for (let v = 0; v < k; v++) {
      const w = (scaled[v] as number) - (integer[v] as number);
      if (w > 0) keys.push({ v, key: Math.log(uniform01(rng)) / w });
    }
    keys.sort((a, b) => b.key - a.key);
    for (const { v } of keys) {
      if (extra === 0) break;
      integer[v] = (integer[v] as number) + 1;
      extra--;
    }
    for (let v = 0; extra > 0; v = (v + 1) % k) {
      integer[v] = (integer[v] as number) + 1; // float round-off left a few: spread them
      extra--;
    }
  }
  const out = new Int32Array(total);
  let p = 0;
  for (let v = 0; v < k; v++) for (let c = 0; c < (integer[v] as number); c++) out[p++] = v;
  shuffle(out, rng);
  return out;
}

/**
 * Draws `rows` records from the model.
 * @param model - the structure.
 * @param potentials - its log-potentials.
 * @param rows - how many records (a safe integer ≥ 0).
 * @param rng - the random source.
 * @returns one `Int32Array` of codes per attribute.
 * @throws DpError INVALID_PARAMETER when rows is not a safe integer ≥ 0.
 */
export function sampleModel(model: ModelStructure, potentials: readonly Factor[], rows: number, rng: RandomSource): Int32Array[] {
  if (!(Number.isSafeInteger(rows) && rows >= 0)) {
    throw new DpError('INVALID_PARAMETER', 'rows must be an integer ≥ 0', { parameter: 'rows', expected: 'an integer ≥ 0' });
  }
  const beliefs = calibratedCounts(model, potentials, 1);
  const n = model.sizes.length;
  const columns = Array.from({ length: n }, () => new Int32Array(rows));
  const filled = new Array<boolean>(n).fill(false);
  for (const c of model.tree.order) {
    const clique = model.tree.cliques[c] as readonly number[];
    const belief = beliefs[c] as Factor;
    for (const a of clique) {
      if (filled[a]) continue;
      const cond = clique.filter((b) => filled[b]);
      const attrs = [...cond, a].sort((x, y) => x - y);
      const table = sumProject(belief, attrs);
      const strides = alignedStrides(attrs, attrs, table.shape);
      const strideA = strides[attrs.indexOf(a)] as number;
      const size = model.sizes[a] as number;
      const groups = new Map<number, number[]>();
      for (let r = 0; r < rows; r++) {
        let off = 0;
        for (const b of cond) off += ((columns[b] as Int32Array)[r] as number) * (strides[attrs.indexOf(b)] as number);
        let g = groups.get(off);
        if (!g) {
          g = [];
          groups.set(off, g);
        }
        g.push(r);
      }
      const out = columns[a] as Int32Array;
      const counts = new Float64Array(size);
      for (const [off, members] of groups) {
        for (let v = 0; v < size; v++) counts[v] = table.values[off + v * strideA] as number;
        const vals = roundedColumn(counts, members.length, rng);
        members.forEach((r, i) => {
          out[r] = vals[i] as number;
        });
      }
      filled[a] = true;
    }
  }
  return columns;
}
