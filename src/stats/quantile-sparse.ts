/**
 * The exact exponential mechanism of a quantile over a fine public grid
 * (2³² bins or more), from the non-empty bins alone: a histogram stored
 * sparsely (`SparseBins`), and a sampler over its non-empty bins and the gaps
 * between them (`sampleRankSelection`). Proof: `quantile-sparse.proof.md`.
 * @module
 */

import { DpError } from '../core/errors.js';
import { Rational } from '../numeric/rational.js';
import { dyadicExponentBelow } from '../random/bernoulli-exp-pow2.js';
import { sampleBernoulliExpPow2, sampleUniformBelow, sampleUniformBigBelow } from '../random/index.js';
import type { RandomSource } from '../random/source.js';

/** A histogram over `bins` public bins that lists only its non-empty bins, in increasing order. */
export interface SparseBins {
  /** The number of bins B of the public grid (a safe integer ≥ 2). */
  readonly bins: number;
  /** The non-empty bins, strictly increasing, each in [0, B). */
  readonly index: readonly number[];
  /** Their row counts, each ≥ 1. */
  readonly count: readonly bigint[];
}

/**
 * Checks the shape of a sparse histogram (its values are data, its shape is
 * the measurement's input domain).
 * @throws DpError INVALID_PARAMETER when it is not a sparse histogram over `bins` bins.
 */
export function checkSparseBins(s: SparseBins, bins: number): void {
  const bad = (why: string) => new DpError('INVALID_PARAMETER', `sparse bin counts: ${why}`, { parameter: 'bins' });
  if (typeof s !== 'object' || s === null || s.bins !== bins) throw bad(`expected ${bins} bins`);
  const { index, count } = s;
  if (!Array.isArray(index) || !Array.isArray(count) || index.length !== count.length)
    throw bad('index and count must be arrays of one length');
  let prev = -1;
  for (let k = 0; k < index.length; k++) {
    const i = index[k];
    const c = count[k];
    if (!(Number.isSafeInteger(i) && (i as number) > prev && (i as number) < bins))
      throw bad('indices must increase strictly within [0, bins)');
    if (!(typeof c === 'bigint' && c >= 1n)) throw bad('counts must be BigInts >= 1');
    prev = i as number;
  }
}

/** The sparse form of dense bin counts (the same histogram). */
export function sparseFromDense(counts: readonly bigint[]): SparseBins {
  const index: number[] = [];
  const count: bigint[] = [];
  counts.forEach((c, i) => {
    if (c > 0n) {
      index.push(i);
      count.push(c);
    }
  });
  return { bins: counts.length, index, count };
}

/**
 * The sparse histogram of per-bin counts held in a map (bin → count ≥ 1): its
 * entries sorted by bin. Memory is the map's size, ≤ the rows counted.
 */
export function sparseFromCounts(counts: ReadonlyMap<number, number>, bins: number): SparseBins {
  const index = [...counts.keys()].sort((a, b) => a - b);
  return { bins, index, count: index.map((i) => BigInt(counts.get(i) as number)) };
}

/**
 * The dense bin counts of a sparse histogram (zeros elsewhere): the same
 * histogram, as the dense mechanisms read it. One array of `bins` (public)
 * numbers, built when one partition is released and dropped after.
 * @throws DpError INVALID_PARAMETER when `s` is not a sparse histogram over `bins` bins.
 */
export function denseFromSparse(s: SparseBins, bins: number): number[] {
  checkSparseBins(s, bins);
  const dense = new Array<number>(bins).fill(0);
  s.index.forEach((i, k) => {
    dense[i] = Number(s.count[k]);
  });
  return dense;
}

/** The sparse histogram of rows given by their bins (each in [0, bins)): sorted and run-length counted. */
export function sparseFromRowBins(rowBins: Float64Array, bins: number): SparseBins {
  const sorted = rowBins.slice().sort();
  const index: number[] = [];
  const count: bigint[] = [];
  let k = 0;
  while (k < sorted.length) {
    const b = sorted[k] as number;
    let e = k + 1;
    while (e < sorted.length && sorted[e] === b) e++;
    index.push(b);
    count.push(BigInt(e - k));
    k = e;
  }
  return { bins, index, count };
}

/**
 * The histogram on the grid of ⌈B/g⌉ bins whose bin j is the union of fine bins
 * [j·g, (j + 1)·g): each row's coarse bin is ⌊fine/g⌋.
 */
export function coarsenBins(s: SparseBins, group: number): SparseBins {
  if (group === 1) return s;
  const index: number[] = [];
  const count: bigint[] = [];
  s.index.forEach((i, k) => {
    let j = Math.floor(i / group);
    if (j * group > i) j -= 1; // exact integer floor (i, g < 2⁵³)
    const c = s.count[k] as bigint;
    if (index[index.length - 1] === j) count[count.length - 1] = (count[count.length - 1] as bigint) + c;
    else {
      index.push(j);
      count.push(c);
    }
  });
  return { bins: Math.ceil(s.bins / group), index, count };
}

/** Candidates of the sampler: runs of bins with one rank range (a non-empty bin, a gap, a virtual bin). */
interface Candidates {
  /** First bin of each candidate (−1 and B for the virtual bins). */
  readonly first: number[];
  /** Its number of bins m ≥ 1. */
  readonly size: number[];
  /** The numerator of its rank distance to the target, over the target's denominator. */
  readonly distance: bigint[];
}

/** Receives each candidate of a pass: its first bin, its number of bins m and its rank range [lo, hi]. */
export type CandidateVisitor = (first: number, size: number, lo: bigint, hi: bigint) => void;

/**
 * The candidates of one pass over a histogram's non-empty bins, fed in increasing order (`add`, then `end`), with
 * O(1) state: the in-memory sampler and the streamed one (`quantile-stream.ts`) list them by this one walker.
 * Ranks are shifted up by `pad`; when `padded`, the virtual bins −1 and B hold `pad` rows each.
 */
export class CandidateWalker {
  #rank: bigint;
  #next = 0;
  #ended = false;
  constructor(
    private readonly bins: number,
    private readonly pad: bigint,
    private readonly padded: boolean,
    private readonly visit: CandidateVisitor,
  ) {
    this.#rank = pad;
    if (padded) visit(-1, 1, 0n, pad);
  }

  /**
   * The next non-empty bin and its count.
   * @throws DpError INVALID_PARAMETER when bins do not increase strictly within [0, B) or a count is not ≥ 1.
   */
  add(bin: number, count: bigint): void {
    if (this.#ended || !(Number.isSafeInteger(bin) && bin >= this.#next && bin < this.bins) || !(typeof count === 'bigint' && count >= 1n))
      throw new DpError('INVALID_PARAMETER', 'sparse bin counts: indices must increase strictly within [0, bins), counts be BigInts >= 1', {
        parameter: 'bins',
      });
    if (bin > this.#next) this.visit(this.#next, bin - this.#next, this.#rank, this.#rank);
    this.visit(bin, 1, this.#rank, this.#rank + count);
    this.#rank += count;
    this.#next = bin + 1;
  }

  /** The gap after the last non-empty bin and the upper virtual bin. */
  end(): void {
    if (this.#ended) throw new DpError('INTERNAL', 'a candidate pass ended twice', {});
    this.#ended = true;
    if (this.#next < this.bins) this.visit(this.#next, this.bins - this.#next, this.#rank, this.#rank);
    if (this.padded) this.visit(this.bins, 1, this.#rank, this.#rank + this.pad);
  }
}

/** The numerator, over tDen, of dist(t, [lo, hi]) for t = tNum/tDen. */
export function rankDistance(lo: bigint, hi: bigint, tNum: bigint, tDen: bigint): bigint {
  const below = lo * tDen - tNum;
  const above = tNum - hi * tDen;
  return below > 0n ? below : above > 0n ? above : 0n;
}

/** Lists the candidates with their exact distances to target t = tNum/tDen (ranks shifted up by `pad`). */
function candidates(s: SparseBins, tNum: bigint, tDen: bigint, pad: bigint, padded: boolean): Candidates {
  const out: Candidates = { first: [], size: [], distance: [] };
  const walker = new CandidateWalker(s.bins, pad, padded, (first, size, lo, hi) => {
    out.first.push(first);
    out.size.push(size);
    out.distance.push(rankDistance(lo, hi, tNum, tDen));
  });
  s.index.forEach((i, k) => {
    walker.add(i, s.count[k] as bigint);
  });
  walker.end();
  return out;
}

/**
 * A lower bound, as a double, on the cost c = (dNum/tDen)·factor, given tDen's top bits
 * `tShifted` = Number(⌊tDen/2^shift⌋): ⌊dNum/2^shift⌋ ≤ dNum/2^shift, and ⌊tDen/2^shift⌋ is
 * tDen/2^shift when shift = 0, else ≥ 2⁶³ and within 2⁻⁶³ relative of it; the roundings (two
 * conversions, the division, the product; factorDown ≤ factor) are each within 2⁻⁵³ relative:
 * all inside the 2⁻⁴⁰ margin.
 * Past the double range (review S63: ε = 1e308, or a rank distance of 10⁸ at ε = 1e300) the bound must stay
 * large, not fall to 0: a bound of 0 is valid but gives every far candidate exponent 0, so the proposal picks
 * candidates it almost surely rejects and the sampler never ends. When a step overflows to +∞ its exact value
 * is ≥ MAX_VALUE, so the true cost is ≥ MAX_VALUE·(1 − 2⁻⁴⁰)·(1 − 2⁻⁵²)³ > MAX_VALUE/2, which is returned
 * (the exponent is capped at T anyway); only the arithmetic on finite operands may overflow here.
 */
function costBelow(dNum: bigint, shift: bigint, tShifted: number, factorDown: number): number {
  const d = Number(dNum >> shift);
  // A conversion that overflows says nothing about the quotient: 0 (never arises: d ≤ (n + pad)·2⁶⁴).
  if (!Number.isFinite(d) || !Number.isFinite(tShifted) || !Number.isFinite(factorDown)) return 0;
  const c = (d / tShifted) * factorDown * (1 - 2 ** -40);
  if (Number.isNaN(c)) return 0;
  return Math.min(c, Number.MAX_VALUE / 2);
}

function bitLength(n: number): number {
  return n.toString(2).length;
}

/** The dyadic proposal of `sampleRankSelection`: its candidates, their exponents and cumulative weights. */
export interface RankProposal {
  /** First bin of each candidate (−1 and B for the virtual bins). */
  readonly first: readonly number[];
  /** Its number of bins m ≥ 1. */
  readonly size: readonly number[];
  /** Its exponent a, with a·ln 2 ≤ its cost. */
  readonly exponent: readonly number[];
  /** Cumulative weights Σ m·2^(T − a) (BigInt). */
  readonly cumulative: readonly bigint[];
  /** The exact cost factor·dist(t, R) of candidate i. */
  cost(i: number): Rational;
}

/**
 * @internal The proposal of `sampleRankSelection` (exported for the exactness tests).
 * Weights m·2^(T − a), a = min(T, a′) with a′·ln 2 ≤ cost (`dyadicExponentBelow` of a lower bound),
 * T = bitLength(B + 2) + 64.
 */
export function rankProposal(s: SparseBins, target: Rational, factor: Rational, pad: bigint, padded: boolean): RankProposal {
  const rule = proposalRule(s.bins, target, factor, pad);
  const c = candidates(s, rule.tNum, rule.tDen, pad, padded);
  const exponent = c.distance.map((d) => rule.exponent(d));
  const cumulative: bigint[] = [];
  let total = 0n;
  exponent.forEach((a, i) => {
    total += rule.weight(c.size[i] as number, a);
    cumulative.push(total);
  });
  return {
    first: c.first,
    size: c.size,
    exponent,
    cumulative,
    cost: (i) => rule.cost(c.distance[i] as bigint),
  };
}

/** The proposal's rule for one target, shared by the in-memory and the streamed sampler. */
export interface ProposalRule {
  /** t = target + pad = tNum/tDen. */
  readonly tNum: bigint;
  readonly tDen: bigint;
  /** The exponent a = min(T, a′) of a candidate at distance numerator d (a·ln 2 ≤ its cost). */
  exponent(d: bigint): number;
  /** Its proposal weight m·2^(T − a). */
  weight(size: number, a: number): bigint;
  /** Its exact cost factor·d/tDen. */
  cost(d: bigint): Rational;
}

/** @internal `rankProposal`'s rule: T = bitLength(B + 2) + 64, a′ from `costBelow`. */
export function proposalRule(bins: number, target: Rational, factor: Rational, pad: bigint): ProposalRule {
  const t = target.add(Rational.of(pad));
  // tDen's top 64 bits (a huge denominator, e.g. from a subnormal q, must not make every bound 0).
  const shift = BigInt(Math.max(0, t.den.toString(2).length - 64));
  const tShifted = Number(t.den >> shift);
  const factorDown = factor.toNumberDown();
  const cap = bitLength(bins + 2) + 64;
  return {
    tNum: t.num,
    tDen: t.den,
    exponent: (d) => Math.min(cap, dyadicExponentBelow(costBelow(d, shift, tShifted, factorDown))),
    weight: (size, a) => BigInt(size) << BigInt(cap - a),
    cost: (d) => Rational.of(d, t.den).mul(factor),
  };
}

/**
 * Exact exponential mechanism over the bins of `s` (and, when `padded`, a virtual
 * bin below bin 0 and one above bin B − 1 holding `pad` rows each): bin b is returned
 * with probability ∝ exp(−factor·dist(t, R_b)), R_b the range of ranks its rows occupy
 * (ranks shifted up by `pad`), t = `target` + `pad`.
 *
 * Runs of bins with one rank range (a gap between non-empty bins) are one candidate of
 * weight m·exp(−c). A candidate is proposed with probability ∝ m·2^(−a) (`rankProposal`,
 * an exact BigInt draw) and accepted with probability 2^a·exp(−c) ≤ 1 (exact,
 * `sampleBernoulliExpPow2`); then a bin is drawn uniformly within it. Every try accepts
 * with probability about ½ or more. Proof: `quantile-sparse.proof.md`.
 * @returns the bin, in [0, B), or −1 / B for the virtual bins.
 * Not constant-time: the work grows with the number of non-empty bins and the tries are random (SECURITY.md §11).
 */
export function sampleRankSelection(
  s: SparseBins,
  target: Rational,
  factor: Rational,
  pad: bigint,
  padded: boolean,
  rng: RandomSource,
): number {
  const p = rankProposal(s, target, factor, pad, padded);
  const total = p.cumulative[p.cumulative.length - 1] as bigint;
  for (;;) {
    const u = sampleUniformBigBelow(total, rng);
    let lo = 0;
    let hi = p.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((p.cumulative[mid] as bigint) > u) hi = mid;
      else lo = mid + 1;
    }
    if (!sampleBernoulliExpPow2(p.cost(lo), p.exponent[lo] as number, rng)) continue;
    const m = p.size[lo] as number;
    return (p.first[lo] as number) + (m === 1 ? 0 : sampleUniformBelow(m, rng));
  }
}
