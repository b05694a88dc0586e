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
 *
 * Rule (class 14 / SECURITY §12, review stop 22: "one statement per group and pass"): several groups are sampled
 * from ONE set of passes (`GroupBinPass`): each pass feeds every group's bins, tagged with the group's index, and
 * the state is O(1) per group (a walker, a sum, `TRIES_PER_PASS` tries). The number of passes is 3 (pass 0 of
 * `countAndCoarsenGroups`, passes 1 and 2) whatever the number of groups and the data, plus one further pass 2 for
 * all the groups whose 64 tries were all rejected — probability ≤ G·2⁻⁶⁴. The randomness is drawn group after
 * group within each step (the uniforms of every group, then each group's decisions): each group's draws are fresh
 * and read only its own state, so the groups' releases are independent, each with the law of the one-group sampler
 * (quantile-sparse.proof.md, "Streamed, several groups"); for one group the draws are in the same order as before.
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

/** Receives one pass's non-empty bins of several groups: within a group, bins strictly increasing, counts ≥ 1. */
export interface GroupBinSink {
  add(group: number, bin: number, count: bigint): void;
}

/**
 * One pass over the non-empty bins of groups 0 … G − 1 at once (module rule: one pass for all groups); every call
 * must feed the same bins. Groups may interleave; each group's own bins come in increasing order.
 */
export type GroupBinPass = (sink: GroupBinSink) => Promise<void>;

/** A one-group pass read as group 0 of a `GroupBinPass`. */
export function asGroupPass(pass: BinPass): GroupBinPass {
  return (sink) => pass({ add: (bin, count) => sink.add(0, bin, count) });
}

/** Tries located per selection pass (public): a further pass is needed with probability about 2⁻⁶⁴. */
export const TRIES_PER_PASS = 64;

/** One located try: its candidate's first bin, size, exponent and distance numerator. */
interface Located {
  readonly first: number;
  readonly size: number;
  readonly exponent: number;
  readonly distance: bigint;
}

/** A group's candidate visitor in a walk. */
type GroupVisitor = (first: number, size: number, lo: bigint, hi: bigint) => void;

/**
 * Runs one pass and walks the candidates of the groups that have a visitor (module rule: O(1) state per group); the
 * rows of other groups are skipped.
 * @throws DpError INTERNAL on a group index outside [0, G).
 */
async function walkGroups(
  pass: GroupBinPass,
  bins: number,
  pad: bigint,
  padded: boolean,
  visitors: readonly (GroupVisitor | undefined)[],
): Promise<void> {
  const walkers = visitors.map((v) => v && new CandidateWalker(bins, pad, padded, v));
  await pass({
    add: (g, bin, count) => {
      if (!(Number.isSafeInteger(g) && g >= 0 && g < walkers.length))
        throw new DpError('INTERNAL', 'a streamed bin of an unknown group', {});
      walkers[g]?.add(bin, count);
    },
  });
  for (const w of walkers) w?.end();
}

/** Pass 1: each group's normaliser W. */
async function normalisers(
  pass: GroupBinPass,
  bins: number,
  pad: bigint,
  padded: boolean,
  rules: readonly ProposalRule[],
): Promise<bigint[]> {
  const totals = rules.map(() => 0n);
  await walkGroups(
    pass,
    bins,
    pad,
    padded,
    rules.map((rule, g) => (_first, size, lo, hi) => {
      totals[g] = (totals[g] as bigint) + rule.weight(size, rule.exponent(rankDistance(lo, hi, rule.tNum, rule.tDen)));
    }),
  );
  return totals;
}

/** One group's walk of pass 2: locates its uniforms (sorted once) in its cumulative weights. */
function locator(rule: ProposalRule, us: readonly bigint[]): { visit: GroupVisitor; found: Located[]; done(): bigint | undefined } {
  const order = us
    .map((_, j) => j)
    .sort((a, b) => ((us[a] as bigint) < (us[b] as bigint) ? -1 : (us[a] as bigint) > (us[b] as bigint) ? 1 : 0));
  const found: Located[] = new Array(us.length);
  let cumulative = 0n;
  let k = 0;
  const visit: GroupVisitor = (first, size, lo, hi) => {
    const distance = rankDistance(lo, hi, rule.tNum, rule.tDen);
    const exponent = rule.exponent(distance);
    cumulative += rule.weight(size, exponent);
    while (k < order.length && (us[order[k] as number] as bigint) < cumulative) {
      found[order[k] as number] = { first, size, exponent, distance };
      k++;
    }
  };
  return { visit, found, done: () => (k === us.length ? cumulative : undefined) };
}

/**
 * Pass 2 for several groups: locates each group's uniforms (each below its normaliser) in its cumulative weights;
 * a group with no uniforms (`undefined`) is skipped.
 * @returns per group the located candidate of each uniform, in the order of its uniforms.
 * @throws DpError INTERNAL when the pass does not reproduce a normaliser.
 */
export async function locateTriesGroups(
  pass: GroupBinPass,
  bins: number,
  pad: bigint,
  padded: boolean,
  rules: readonly ProposalRule[],
  totals: readonly bigint[],
  us: readonly (readonly bigint[] | undefined)[],
): Promise<(Located[] | undefined)[]> {
  const locators = rules.map((rule, g) => {
    const u = us[g];
    return u && locator(rule, u);
  });
  await walkGroups(
    pass,
    bins,
    pad,
    padded,
    locators.map((l) => l?.visit),
  );
  return locators.map((l, g) => {
    if (!l) return undefined;
    if (l.done() !== totals[g])
      throw new DpError('INTERNAL', 'a pass over the quantile bins differed from the first (the source is not a stable snapshot)', {});
    return l.found;
  });
}

/**
 * Pass 2 for one group (`locateTriesGroups` with G = 1).
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
  const [found] = await locateTriesGroups(asGroupPass(pass), bins, pad, padded, [rule], [total], [us]);
  return found as Located[];
}

/**
 * The exponential mechanism of `sampleRankSelection` for each of G groups at once, from one set of passes (module
 * rule): group g's target is `targets[g]`; the factor, padding and grid are shared (public).
 * @returns per group the bin, in [0, B), or −1 / B for the virtual bins.
 * @throws DpError INVALID_PARAMETER when a pass feeds a group's bins out of order or a count < 1; INTERNAL when passes differ.
 * Not constant-time: the work grows with the non-empty bins and the tries are random (SECURITY.md §11); the number of
 * passes is 2 (a third with probability ≤ G·2⁻⁶⁴).
 */
export async function sampleRankSelectionsStreamed(
  pass: GroupBinPass,
  bins: number,
  targets: readonly Rational[],
  factor: Rational,
  pad: bigint,
  padded: boolean,
  rng: RandomSource,
): Promise<number[]> {
  const rules = targets.map((t) => proposalRule(bins, t, factor, pad));
  const totals = await normalisers(pass, bins, pad, padded, rules);
  const chosen: (number | undefined)[] = rules.map(() => undefined);
  for (;;) {
    const pending = chosen.map((c) => c === undefined);
    if (!pending.includes(true)) return chosen as number[];
    const us = totals.map((total, g) =>
      pending[g] ? Array.from({ length: TRIES_PER_PASS }, () => sampleUniformBigBelow(total, rng)) : undefined,
    );
    const tries = await locateTriesGroups(pass, bins, pad, padded, rules, totals, us);
    tries.forEach((ts, g) => {
      const rule = rules[g] as ProposalRule;
      for (const t of ts ?? []) {
        if (!sampleBernoulliExpPow2(rule.cost(t.distance), t.exponent, rng)) continue;
        chosen[g] = t.first + (t.size === 1 ? 0 : sampleUniformBelow(t.size, rng));
        return;
      }
    });
  }
}

/**
 * The exponential mechanism of `sampleRankSelection` (same arguments; the histogram given as passes over it),
 * exactly its law, with memory bounded by `TRIES_PER_PASS` whatever the number of bins (module rule):
 * `sampleRankSelectionsStreamed` with one group.
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
  const [b] = await sampleRankSelectionsStreamed(asGroupPass(pass), bins, [target], factor, pad, padded, rng);
  return b as number;
}

/** One group's pass-0 state: its rows and its coarse histogram so far. */
class CountCoarsen {
  n = 0n;
  readonly index: number[] = [];
  readonly count: bigint[] = [];
  // The walker checks the order and the counts; its candidates are not needed here.
  readonly #walker: CandidateWalker;
  constructor(
    bins: number,
    private readonly group: number,
  ) {
    this.#walker = new CandidateWalker(bins, 0n, false, () => {});
  }
  add(bin: number, c: bigint): void {
    this.#walker.add(bin, c);
    this.n += c;
    let j = Math.floor(bin / this.group);
    if (j * this.group > bin) j -= 1; // exact integer floor (bin, group < 2⁵³)
    const last = this.index.length - 1;
    if (this.index[last] === j) this.count[last] = (this.count[last] as bigint) + c;
    else {
      this.index.push(j);
      this.count.push(c);
    }
  }
  end(): void {
    this.#walker.end();
  }
}

/**
 * Pass 0 for several groups (one pass, module rule): each group's rows n and coarse histogram of the interval's ends
 * (fine bin i in coarse bin ⌊i/group⌋, as `coarsenBins`), with at most ⌈bins/group⌉ entries (≤ 4,096 on the fine grid).
 * @throws DpError INVALID_PARAMETER when the pass feeds a group's bins out of order or a count < 1.
 */
export async function countAndCoarsenGroups(
  pass: GroupBinPass,
  groups: number,
  bins: number,
  group: number,
): Promise<{ n: bigint; coarse: SparseBins }[]> {
  const states = Array.from({ length: groups }, () => new CountCoarsen(bins, group));
  await pass({
    add: (g, bin, c) => {
      const s = states[g];
      if (!(Number.isSafeInteger(g) && s)) throw new DpError('INTERNAL', 'a streamed bin of an unknown group', {});
      s.add(bin, c);
    },
  });
  return states.map((s) => {
    s.end();
    return { n: s.n, coarse: { bins: Math.ceil(bins / group), index: s.index, count: s.count } };
  });
}

/**
 * Pass 0 of a streamed quantile release (`countAndCoarsenGroups` with one group).
 * @throws DpError INVALID_PARAMETER when the pass feeds bins out of order or a count < 1.
 */
export async function countAndCoarsen(pass: BinPass, bins: number, group: number): Promise<{ n: bigint; coarse: SparseBins }> {
  const [r] = await countAndCoarsenGroups(asGroupPass(pass), 1, bins, group);
  return r as { n: bigint; coarse: SparseBins };
}
