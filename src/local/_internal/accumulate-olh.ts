/**
 * Aggregation of optimized local hashing.
 *
 * Counting supports naively costs one hash per (report, value): 10⁹ hashes
 * for 10⁶ reports over 1024 values. The linear hash family of
 * `protocols/local-hashing.ts`, H(v) = (b + Σ_{i ∈ bits(v)} a_i) mod g, allows
 * two faster exact counts, both meet-in-the-middle on v = (v_hi, v_lo):
 * a report supports v iff
 *
 *     Σ_{i<r_lo} a_i·bit_i(v_lo) ≡ y − b − Σ_{j<r_hi} a_{r_lo+j}·bit_j(v_hi)   (mod g).
 *
 * - `table` (small g): the left side depends on the report only through its
 *   low coefficients (one of L = g^{r_lo} vectors). Ingest increments, for
 *   each of the 2^{r_hi} values of v_hi, one cell (low coefficients, v_hi,
 *   residue); estimating the whole domain reads k·L cells once. For k = 1024
 *   and ε = 1 (g = 4): 16 increments per report; tables stay ≤ 2²³ cells.
 * - `enumerate` (larger g): bucket the 2^{r_lo} low sums by residue, then for
 *   each of the 2^{r_hi} high sums walk the bucket that matches — exactly the
 *   ≈ k/g supported values — and count them directly. Cost per report
 *   2^{r_lo} + 2^{r_hi} + k/g (≈ 100 for k = 1024, ε = 4).
 * - `raw` (domains too large for either): keep the (seed, y) pairs and count
 *   supports per candidate value when asked (n hashes per candidate).
 * All three give identical counts; the mode is chosen from k and g only.
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { OlhParams } from '../protocols/local-hashing.js';
import { olhCoefficients, olhHash } from '../protocols/local-hashing.js';
import { type Accumulator, clampCount, domainCandidates, pureVariance } from './accumulator.js';
import { checkIndex, headerChecker, type ReportObject } from './validate.js';

const TWO_32 = 4294967296;
/** Most work per report a streaming mode may take before raw storage wins. */
const MAX_WORK_PER_REPORT = 4096;
/** Largest table (cells, 8 MiB): beyond that the increments miss the cache and enumeration wins. */
const TABLE_CELLS = 2 ** 21;

/** How the OLH aggregator counts supports. */
export type OlhMode =
  | { readonly kind: 'table'; readonly lowBits: number; readonly highBits: number; readonly lowVectors: number; readonly work: number }
  | { readonly kind: 'enumerate'; readonly lowBits: number; readonly highBits: number; readonly work: number }
  | { readonly kind: 'raw' };

/** The cheapest mode for hash range g and r value bits (domain k ≤ 2^r). */
export function olhMode(g: number, r: number, k: number): OlhMode {
  let table: OlhMode | null = null;
  for (let lowBits = Math.min(r, 14); lowBits >= 0; lowBits--) {
    const lowVectors = g ** lowBits;
    const highBits = r - lowBits;
    if (lowVectors > 2 ** 14 || lowVectors * 2 ** lowBits > 2 ** 22) continue;
    if (2 ** highBits * lowVectors * g > TABLE_CELLS) continue;
    table = { kind: 'table', lowBits, highBits, lowVectors, work: 2 * 2 ** highBits };
    break;
  }
  const lowBits = Math.floor(r / 2);
  const enumerate: OlhMode | null =
    g <= 2 ** 16 ? { kind: 'enumerate', lowBits, highBits: r - lowBits, work: 2 ** lowBits + 2 ** (r - lowBits) + k / g } : null;
  const best = [table, enumerate].filter((m): m is Exclude<OlhMode, { kind: 'raw' }> => m !== null && m.work <= MAX_WORK_PER_REPORT);
  best.sort((a, b) => a.work - b.work);
  return best[0] ?? { kind: 'raw' };
}

/** The sums Σ a_{offset+j}·bit_j(t) mod g for t < 2^bits, by doubling. */
function subsetSums(coefficients: Uint32Array, offset: number, bits: number, g: number, out: Int32Array): void {
  out[0] = 0;
  let size = 1;
  for (let j = 0; j < bits; j++) {
    const a = coefficients[offset + j] as number;
    for (let t = 0; t < size; t++) {
      let sum = (out[t] as number) + a;
      if (sum >= g) sum -= g;
      out[t + size] = sum;
    }
    size *= 2;
  }
}

/** OLH aggregation state (`forcedMode` is for tests and benchmarks). */
export function olhAccumulator(params: OlhParams, forcedMode?: OlhMode): Accumulator {
  const k = params.domainSize;
  const g = params.hashRange;
  const r = params.valueBits;
  const header = { eps: params.requestedEpsilon, k, g };
  const checkHeaderOf = headerChecker('olh', header, ['s', 'y']);
  const mode = forcedMode ?? olhMode(g, r, k);
  const coefficients = new Uint32Array(r + 1);
  let total = 0;
  let supports: Float64Array | null = null;

  // Table mode.
  const highCount = mode.kind === 'raw' ? 0 : 2 ** mode.highBits;
  const lowCount = mode.kind === 'raw' ? 0 : 2 ** mode.lowBits;
  const table = mode.kind === 'table' ? new Uint32Array(highCount * mode.lowVectors * g) : new Uint32Array(0);
  const highSums = new Int32Array(highCount);
  // Enumerate mode.
  const direct = mode.kind === 'enumerate' ? new Float64Array(k) : new Float64Array(0);
  const lowSums = new Int32Array(mode.kind === 'enumerate' ? lowCount : 0);
  const bucketHead = new Int32Array(mode.kind === 'enumerate' ? g : 0).fill(-1);
  const nextInBucket = new Int32Array(mode.kind === 'enumerate' ? lowCount : 0);
  // Raw mode.
  let seeds = new Uint32Array(mode.kind === 'raw' ? 1024 : 0);
  let outputs = new Uint32Array(mode.kind === 'raw' ? 1024 : 0);

  function residueOf(y: number): number {
    const residue = y - (coefficients[r] as number);
    return residue < 0 ? residue + g : residue;
  }

  function ingestTable(seed: number, y: number, lowBits: number, highBits: number): void {
    olhCoefficients(seed, g, r, coefficients);
    let lowIndex = 0;
    for (let i = lowBits - 1; i >= 0; i--) lowIndex = lowIndex * g + (coefficients[i] as number);
    const residue = residueOf(y);
    subsetSums(coefficients, lowBits, highBits, g, highSums);
    // Layout [low coefficients][v_hi][residue]: one report touches one contiguous block.
    let cell = lowIndex * highCount * g;
    for (let high = 0; high < highCount; high++, cell += g) {
      let d = residue - (highSums[high] as number);
      if (d < 0) d += g;
      table[cell + d] = (table[cell + d] as number) + 1;
    }
  }

  function ingestEnumerate(seed: number, y: number, lowBits: number, highBits: number): void {
    olhCoefficients(seed, g, r, coefficients);
    const residue = residueOf(y);
    subsetSums(coefficients, 0, lowBits, g, lowSums);
    subsetSums(coefficients, lowBits, highBits, g, highSums);
    for (let low = 0; low < lowCount; low++) {
      const s = lowSums[low] as number;
      nextInBucket[low] = bucketHead[s] as number;
      bucketHead[s] = low;
    }
    for (let high = 0; high < highCount; high++) {
      let need = residue - (highSums[high] as number);
      if (need < 0) need += g;
      const base = high * lowCount;
      for (let low = bucketHead[need] as number; low >= 0; low = nextInBucket[low] as number) {
        const v = base + low;
        if (v < k) direct[v] = (direct[v] as number) + 1;
      }
    }
    // Empty the buckets again (cheaper than clearing all g of them).
    for (let low = 0; low < lowCount; low++) bucketHead[lowSums[low] as number] = -1;
  }

  function tableSupports(lowBits: number, lowVectors: number): Float64Array {
    // dot[idx·lowCount + v_lo] = Σ a_i(idx)·bit_i(v_lo) mod g.
    const dot = new Uint16Array(lowVectors * lowCount);
    const digits = new Uint32Array(Math.max(1, lowBits));
    const sums = new Int32Array(lowCount);
    for (let idx = 0; idx < lowVectors; idx++) {
      let rest = idx;
      for (let i = 0; i < lowBits; i++) {
        digits[i] = rest % g;
        rest = Math.floor(rest / g);
      }
      subsetSums(digits, 0, lowBits, g, sums);
      dot.set(sums, idx * lowCount);
    }
    const out = new Float64Array(k);
    for (let idx = 0; idx < lowVectors; idx++) {
      const dotBase = idx * lowCount;
      for (let high = 0; high < highCount; high++) {
        const first = high * lowCount;
        if (first >= k) break;
        const last = Math.min(lowCount, k - first);
        const cellBase = (idx * highCount + high) * g;
        for (let low = 0; low < last; low++) {
          out[first + low] = (out[first + low] as number) + (table[cellBase + (dot[dotBase + low] as number)] as number);
        }
      }
    }
    return out;
  }

  function rawSupport(v: number): number {
    let count = 0;
    for (let i = 0; i < total; i++) if (olhHash(seeds[i] as number, v, g, r) === outputs[i]) count++;
    return count;
  }

  return {
    get total() {
      return total;
    },
    ingest(report: ReportObject) {
      const bad = checkHeaderOf(report) ?? checkIndex(report.s, TWO_32) ?? checkIndex(report.y, g);
      if (bad) return bad;
      const seed = report.s as number;
      const y = report.y as number;
      if (mode.kind === 'table') {
        ingestTable(seed, y, mode.lowBits, mode.highBits);
      } else if (mode.kind === 'enumerate') {
        ingestEnumerate(seed, y, mode.lowBits, mode.highBits);
      } else {
        if (total === seeds.length) {
          const grownSeeds = new Uint32Array(seeds.length * 2);
          grownSeeds.set(seeds);
          seeds = grownSeeds;
          const grownOutputs = new Uint32Array(outputs.length * 2);
          grownOutputs.set(outputs);
          outputs = grownOutputs;
        }
        seeds[total] = seed;
        outputs[total] = y;
      }
      total++;
      supports = null;
      return null;
    },
    estimate(candidates) {
      if (candidates === undefined && mode.kind === 'raw' && k > 2 ** 16) {
        throw new DpError(
          'INVALID_PARAMETER',
          'for OLH over a domain this large, estimate a list of candidates (each costs one hash per report)',
          {
            parameter: 'candidates',
          },
        );
      }
      const values = domainCandidates(candidates, k);
      if (supports === null) {
        if (mode.kind === 'table') supports = tableSupports(mode.lowBits, mode.lowVectors);
        else if (mode.kind === 'enumerate') supports = direct;
      }
      const counts = new Float64Array(values.length);
      const variances = new Float64Array(values.length);
      const n = total;
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        const support = supports ? (supports[v] as number) : rawSupport(v);
        const c = (support - n * params.q) / (params.p - params.q);
        counts[i] = c;
        variances[i] = pureVariance(n, clampCount(c, n), params.p, params.q);
      }
      return { values, counts, variances };
    },
  };
}
