/**
 * The exact exponential mechanism of a quantile on a fine grid, sampled from passes over a histogram's non-empty
 * bins instead of a histogram held in memory: the law of `sampleRankSelection` (same candidates, same proposal,
 * same acceptance), with memory bounded by a public constant whatever the data.
 *
 * Rule (class "rows held in Node after the charge grow with the data", review S64): a streamed quantile keeps
 * O(1) state per pass — the walker's rank and next bin, a running BigInt sum — plus `TRIES_PER_PASS` located
 * tries, never a list of the bins. Passes (each feeds the same non-empty bins in increasing order):
 * 1. the normaliser W = Σ m·2^(T − a) over the candidates (`proposalRule`);
 * 2. `TRIES_PER_PASS` proposals u₁ … u_K, each uniform below W (exact BigInt draws), located in one walk of the
 *    cumulative weights; then the tries are decided in draw order by the exact Bernoulli(2^a·e^(−c)), the first
 *    accepted one wins, and a bin is drawn uniformly inside it. The tries are independent proposals, so taking the
 *    first accepted of them is the rejection sampler of `quantile-sparse.proof.md` read in blocks of K: the law is
 *    exactly the exponential mechanism over all B bins. Every try accepts with probability about ½ or more, so a
 *    further block (another pass 2) is needed with probability about 2⁻⁶⁴.
 * A pass that does not reproduce the first pass's normaliser is an INTERNAL error (the source is not a stable
 * snapshot), never a silent bias. Proof: quantile-sparse.proof.md, "Streamed". Test: test/stats/quantile-stream.test.ts.
 * @module
 */

import { DpError } from '../core/errors.js';
import type { Rational } from '../numeric/rational.js';
import { sampleBernoulliExpPow2, sampleUniformBelow, sampleUniformBigBelow } from '../random/index.js';
import type { RandomSource } from '../random/source.js';
import { CandidateWalker, type ProposalRule, proposalRule, rankDistance, type SparseBins } from './quantile-sparse.js';

/** Receives one pass's non-empty bins, in strictly increasing order, each with its count ≥ 1. */
export interface BinSink {
  add(bin: number, count: bigint): void;
}

/**
 * One pass over a histogram's non-empty bins: feeds each to the sink, in increasing order, and resolves when done.
 * Every call must feed the same bins (a stable snapshot).
 */
export type BinPass = (sink: BinSink) => Promise<void>;

/** Tries located per selection pass (public): a further pass is needed with probability about 2⁻⁶⁴. */
export const TRIES_PER_PASS = 64;

/** One located try: its candidate's first bin, size, exponent and distance numerator. */
interface Located {
  readonly first: number;
  readonly size: number;
  readonly exponent: number;
  readonly distance: bigint;
}

/** Runs one pass and walks its candidates (module rule: O(1) state). */
async function walk(
  pass: BinPass,
  bins: number,
  pad: bigint,
  padded: boolean,
  visit: (first: number, size: number, lo: bigint, hi: bigint) => void,
): Promise<void> {
  const walker = new CandidateWalker(bins, pad, padded, visit);
  await pass({ add: (bin, count) => walker.add(bin, count) });
  walker.end();
}

/** Pass 1: the normaliser W. */
async function normaliser(pass: BinPass, bins: number, pad: bigint, padded: boolean, rule: ProposalRule): Promise<bigint> {
  let total = 0n;
  await walk(pass, bins, pad, padded, (_first, size, lo, hi) => {
    total += rule.weight(size, rule.exponent(rankDistance(lo, hi, rule.tNum, rule.tDen)));
  });
  return total;
}

/**
 * Pass 2: locates each of the uniforms `us` (each below `total`) in the cumulative weights.
 * @returns the located candidate of each uniform, in the order of `us`.
 * @throws DpError INTERNAL when the pass does not reproduce the normaliser.
 */
export async function locateTries(
  pass: BinPass,
  bins: number,
  pad: bigint,
  padded: boolean,
  rule: ProposalRule,
  total: bigint,
  us: readonly bigint[],
): Promise<Located[]> {
  const order = us
    .map((_, j) => j)
    .sort((a, b) => ((us[a] as bigint) < (us[b] as bigint) ? -1 : (us[a] as bigint) > (us[b] as bigint) ? 1 : 0));
  const found: Located[] = new Array(us.length);
  let cumulative = 0n;
  let k = 0;
  await walk(pass, bins, pad, padded, (first, size, lo, hi) => {
    const distance = rankDistance(lo, hi, rule.tNum, rule.tDen);
    const exponent = rule.exponent(distance);
    cumulative += rule.weight(size, exponent);
    while (k < order.length && (us[order[k] as number] as bigint) < cumulative) {
      found[order[k] as number] = { first, size, exponent, distance };
      k++;
    }
  });
  if (cumulative !== total || k !== us.length)
    throw new DpError('INTERNAL', 'a pass over the quantile bins differed from the first (the source is not a stable snapshot)', {});
  return found;
}

/**
 * The exponential mechanism of `sampleRankSelection` (same arguments; the histogram given as passes over it),
 * exactly its law, with memory bounded by `TRIES_PER_PASS` whatever the number of bins (module rule).
 * @param pass - one pass over the non-empty bins (called at least twice; the same bins every time).
 * @param bins - the grid's number of bins B.
 * @returns the bin, in [0, B), or −1 / B for the virtual bins.
 * @throws DpError INVALID_PARAMETER when a pass feeds bins out of order or a count < 1; INTERNAL when passes differ.
 * Not constant-time: the work grows with the number of non-empty bins and the tries are random (SECURITY.md §11).
 */
export async function sampleRankSelectionStreamed(
  pass: BinPass,
  bins: number,
  target: Rational,
  factor: Rational,
  pad: bigint,
  padded: boolean,
  rng: RandomSource,
): Promise<number> {
  const rule = proposalRule(bins, target, factor, pad);
  const total = await normaliser(pass, bins, pad, padded, rule);
  for (;;) {
    const us = Array.from({ length: TRIES_PER_PASS }, () => sampleUniformBigBelow(total, rng));
    const tries = await locateTries(pass, bins, pad, padded, rule, total, us);
    for (const t of tries) {
      if (!sampleBernoulliExpPow2(rule.cost(t.distance), t.exponent, rng)) continue;
      return t.first + (t.size === 1 ? 0 : sampleUniformBelow(t.size, rng));
    }
  }
}

/**
 * Pass 0 of a streamed quantile release: the rows n and the coarse histogram of the interval's ends (fine bin i in
 * coarse bin ⌊i/group⌋, as `coarsenBins`), with at most ⌈bins/group⌉ entries (≤ 4,096 on the fine grid: module rule).
 * @throws DpError INVALID_PARAMETER when the pass feeds bins out of order or a count < 1.
 */
export async function countAndCoarsen(pass: BinPass, bins: number, group: number): Promise<{ n: bigint; coarse: SparseBins }> {
  const index: number[] = [];
  const count: bigint[] = [];
  let n = 0n;
  // The walker checks the order and the counts; its candidates are not needed here.
  const walker = new CandidateWalker(bins, 0n, false, () => {});
  await pass({
    add: (bin, c) => {
      walker.add(bin, c);
      n += c;
      let j = Math.floor(bin / group);
      if (j * group > bin) j -= 1; // exact integer floor (bin, group < 2⁵³)
      if (index[index.length - 1] === j) count[count.length - 1] = (count[count.length - 1] as bigint) + c;
      else {
        index.push(j);
        count.push(c);
      }
    },
  });
  walker.end();
  return { n, coarse: { bins: Math.ceil(bins / group), index, count } };
}
