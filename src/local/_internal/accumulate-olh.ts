/**
 * Aggregation of optimized local hashing.
 *
 * Counting supports naively costs one hash per (report, value): 10⁹ hashes
 * for 10⁶ reports over 1024 values. The linear hash family of
 * `protocols/local-hashing.ts`, H(v) = (b + Σ_{i ∈ bits(v)} a_i) mod g, allows
 * a meet-in-the-middle count instead. Split v into low bits (r_lo of them)
 * and high bits (r_hi = r − r_lo). A report supports v = (v_hi, v_lo) iff
 *
 *     Σ_{i<r_lo} a_i·bit_i(v_lo) ≡ y − b − Σ_{j<r_hi} a_{r_lo+j}·bit_j(v_hi)   (mod g).
 *
 * The left side depends on the report only through its low coefficients
 * (one of L = g^{r_lo} vectors); the right side is known per (report, v_hi).
 * Ingesting a report therefore increments, for each of the 2^{r_hi} values of
 * v_hi, one cell (v_hi, low coefficients, residue) of a table; estimating the
 * whole domain then reads k·L cells. Ingest costs 2^{r_hi} increments per
 * report (16 for k = 1024, ε = 1), independent of how many reports follow.
 * When the table would be too large (huge domains, large g) the aggregator
 * keeps the raw (seed, y) pairs and counts supports per candidate.
 * @module
 */
import type { OlhParams } from '../protocols/local-hashing.js';
import { olhCoefficients, olhHash } from '../protocols/local-hashing.js';
import { type Accumulator, clampCount, domainCandidates, pureVariance } from './accumulator.js';
import { checkHeader, checkIndex, type ReportObject } from './validate.js';

const TWO_32 = 4294967296;

interface Split {
  readonly lowBits: number;
  readonly highBits: number;
  /** L = g^lowBits. */
  readonly lowVectors: number;
}

/** The largest r_lo whose tables fit (or null: keep raw reports). */
export function olhSplit(g: number, r: number): Split | null {
  for (let lowBits = Math.min(r, 12); lowBits >= 0; lowBits--) {
    const lowVectors = g ** lowBits;
    const highBits = r - lowBits;
    if (lowVectors > 4096 || lowVectors * 2 ** lowBits > 2 ** 22) continue;
    if (2 ** highBits * lowVectors * g > 2 ** 23) continue;
    if (2 ** highBits > 4096) return null;
    return { lowBits, highBits, lowVectors };
  }
  return null;
}

/** OLH aggregation state. */
export function olhAccumulator(params: OlhParams): Accumulator {
  const k = params.domainSize;
  const g = params.hashRange;
  const r = params.valueBits;
  const header = { eps: params.requestedEpsilon, k, g };
  const split = olhSplit(g, r);
  const coefficients = new Uint32Array(r + 1);
  let total = 0;
  let supports: Float64Array | null = null;

  // Table mode.
  const highCount = split ? 2 ** split.highBits : 0;
  const stride = split ? split.lowVectors * g : 0;
  const table = split ? new Uint32Array(highCount * stride) : new Uint32Array(0);
  const highSums = new Int32Array(highCount);

  // Raw mode.
  let seeds = new Uint32Array(split ? 0 : 1024);
  let outputs = new Uint32Array(split ? 0 : 1024);

  function ingestTable(seed: number, y: number, s: Split): void {
    olhCoefficients(seed, g, r, coefficients);
    let lowIndex = 0;
    for (let i = s.lowBits - 1; i >= 0; i--) lowIndex = lowIndex * g + (coefficients[i] as number);
    let residue = y - (coefficients[r] as number);
    if (residue < 0) residue += g;
    highSums[0] = 0;
    let size = 1;
    for (let j = 0; j < s.highBits; j++) {
      const a = coefficients[s.lowBits + j] as number;
      for (let t = 0; t < size; t++) {
        let sum = (highSums[t] as number) + a;
        if (sum >= g) sum -= g;
        highSums[t + size] = sum;
      }
      size *= 2;
    }
    let cell = lowIndex * g;
    for (let high = 0; high < highCount; high++, cell += stride) {
      let d = residue - (highSums[high] as number);
      if (d < 0) d += g;
      table[cell + d] = (table[cell + d] as number) + 1;
    }
  }

  function tableSupports(s: Split): Float64Array {
    const lowSize = 2 ** s.lowBits;
    // dot[idx·lowSize + v_lo] = Σ a_i(idx)·bit_i(v_lo) mod g.
    const dot = new Uint16Array(s.lowVectors * lowSize);
    const digits = new Uint32Array(Math.max(1, s.lowBits));
    for (let idx = 0; idx < s.lowVectors; idx++) {
      let rest = idx;
      for (let i = 0; i < s.lowBits; i++) {
        digits[i] = rest % g;
        rest = Math.floor(rest / g);
      }
      const base = idx * lowSize;
      let size = 1;
      for (let i = 0; i < s.lowBits; i++) {
        for (let t = 0; t < size; t++) dot[base + t + size] = ((dot[base + t] as number) + (digits[i] as number)) % g;
        size *= 2;
      }
    }
    const out = new Float64Array(k);
    for (let high = 0; high < highCount; high++) {
      const first = high * lowSize;
      if (first >= k) break;
      const last = Math.min(lowSize, k - first);
      const row = high * stride;
      for (let idx = 0; idx < s.lowVectors; idx++) {
        const cellBase = row + idx * g;
        const dotBase = idx * lowSize;
        for (let low = 0; low < last; low++)
          out[first + low] = (out[first + low] as number) + (table[cellBase + (dot[dotBase + low] as number)] as number);
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
      const bad = checkHeader(report, 'olh', header, ['s', 'y']) ?? checkIndex(report.s, TWO_32) ?? checkIndex(report.y, g);
      if (bad) return bad;
      const seed = report.s as number;
      const y = report.y as number;
      if (split) {
        ingestTable(seed, y, split);
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
      const values = domainCandidates(candidates, k);
      if (split && supports === null) supports = tableSupports(split);
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
