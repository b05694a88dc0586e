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
 * the state is O(1) per group. The number of passes is 3 (pass 0 of `countAndCoarsenGroups`, passes 1 and 2) whatever
 * the number of groups and the data, plus one further pass 2 for all the groups whose 64 tries were all rejected —
 * probability ≤ G·2⁻⁶⁴. Each group's randomness is fresh and reads only its own state, so the groups' releases are
 * independent, each with the law of the one-group sampler (quantile-sparse.proof.md, "Streamed, several groups"); for
 * one group the draws are in the same order as before.
 *
 * Rule (class 11, review stop 22 second: "every released group's sampler state is held at once", ≈ 18.7 KB a group;
 * 20,000 selected groups aborted a 256 MiB process): ONE LIVE GROUP. A pass feeds each group's bins together (the
 * statement is ordered by (keys, bin)); a group fed again after another started is refused (INVALID_PARAMETER), so
 * `groupByGroup` holds one group's walk at a time: opened at its first bin, closed and dropped when the next group
 * starts. In pass 2 a pending group's `TRIES_PER_PASS` uniforms are drawn when its walk opens and its tries decided
 * when it closes. Held across passes per group: its n, its normaliser and its outcome (and, with an interval share,
 * the interval's two ends, drawn from its coarse histogram when its pass-0 walk closes: `countAndCoarsenGroups`).
 * Tests: test/stats/quantile-stream.test.ts ("one live group"),
 * test/sql/quantile-stream-memory.test.ts (10,000 selected groups under a 128 MiB heap, where 7b0eb41 aborts).
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
 * must feed the same bins. Each group's bins come together (one group after another, in any order; module rule "one
 * live group"), in increasing order.
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

/** One group's state while its bins stream by in a pass: fed its bins, then closed (module rule: one at a time). */
interface LiveGroup {
  add(bin: number, count: bigint): void;
  close(): void;
}

/**
 * Runs one pass group by group (module rule, "one live group"): a group's state is opened at its first bin (`open`,
 * undefined to skip the group's rows), fed its bins, and closed and dropped when the next group starts; the groups
 * the pass did not feed are opened and closed at its end, in index order. So at most one group's walk is held.
 * @throws DpError INTERNAL on a group index outside [0, G); INVALID_PARAMETER when a group's bins are not contiguous.
 */
async function groupByGroup(pass: GroupBinPass, groups: number, open: (g: number) => LiveGroup | undefined): Promise<void> {
  const seen = new Uint8Array(groups);
  let liveIndex = -1;
  let live: LiveGroup | undefined;
  await pass({
    add: (g, bin, count) => {
      if (g !== liveIndex) {
        if (!(Number.isSafeInteger(g) && g >= 0 && g < groups)) throw new DpError('INTERNAL', 'a streamed bin of an unknown group', {});
        if (seen[g] === 1)
          throw new DpError('INVALID_PARAMETER', "a pass must feed each group's bins together (one group after another)", {
            parameter: 'pass',
          });
        live?.close();
        seen[g] = 1;
        liveIndex = g;
        live = open(g);
      }
      live?.add(bin, count);
    },
  });
  live?.close();
  live = undefined;
  for (let g = 0; g < groups; g++) if (seen[g] === 0) open(g)?.close();
}

/** A group's candidate walk as a live group (`groupByGroup`), `then` called once its walk has ended. */
function walking(bins: number, pad: bigint, padded: boolean, visit: GroupVisitor, then: () => void): LiveGroup {
  const walker = new CandidateWalker(bins, pad, padded, visit);
  return {
    add: (bin, count) => walker.add(bin, count),
    close: () => {
      walker.end();
      then();
    },
  };
}

/** Pass 1: each group's normaliser W (a group's proposal rule lives while its bins stream by). */
async function normalisers(
  pass: GroupBinPass,
  bins: number,
  pad: bigint,
  padded: boolean,
  ruleOf: (g: number) => ProposalRule,
  groups: number,
): Promise<bigint[]> {
  const totals: bigint[] = new Array(groups).fill(0n);
  await groupByGroup(pass, groups, (g) => {
    const rule = ruleOf(g);
    let total = 0n;
    return walking(
      bins,
      pad,
      padded,
      (_first, size, lo, hi) => {
        total += rule.weight(size, rule.exponent(rankDistance(lo, hi, rule.tNum, rule.tDen)));
      },
      () => {
        totals[g] = total;
      },
    );
  });
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

/** A pass-2 walk of one group: its uniforms located, checked against its normaliser, then handed to `then`. */
function locating(
  bins: number,
  pad: bigint,
  padded: boolean,
  rule: ProposalRule,
  total: bigint,
  us: readonly bigint[],
  then: (found: Located[]) => void,
): LiveGroup {
  const l = locator(rule, us);
  return walking(bins, pad, padded, l.visit, () => {
    if (l.done() !== total)
      throw new DpError('INTERNAL', 'a pass over the quantile bins differed from the first (the source is not a stable snapshot)', {});
    then(l.found);
  });
}

/**
 * Pass 2 for one group: locates the uniforms `us` (each below the normaliser) in its cumulative weights.
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
  let out: Located[] = [];
  await groupByGroup(asGroupPass(pass), 1, () =>
    locating(bins, pad, padded, rule, total, us, (found) => {
      out = found;
    }),
  );
  return out;
}

/**
 * The exponential mechanism of `sampleRankSelection` for each of G groups at once, from one set of passes (module
 * rule): group g's target is `targetOf(g)` (read while the group's bins stream by; nothing per group is held but its
 * normaliser and its outcome); the factor, padding and grid are shared (public).
 * @returns per group the bin, in [0, B), or −1 / B for the virtual bins.
 * @throws DpError INVALID_PARAMETER when a pass feeds a group's bins out of order or apart, or a count < 1; INTERNAL when passes differ.
 * Not constant-time: the work grows with the non-empty bins and the tries are random (SECURITY.md §11); the number of
 * passes is 2 (a third with probability ≤ G·2⁻⁶⁴).
 */
export async function sampleRankSelectionsStreamed(
  pass: GroupBinPass,
  bins: number,
  targetOf: (g: number) => Rational,
  groups: number,
  factor: Rational,
  pad: bigint,
  padded: boolean,
  rng: RandomSource,
): Promise<Float64Array> {
  const ruleOf = (g: number) => proposalRule(bins, targetOf(g), factor, pad);
  const totals = await normalisers(pass, bins, pad, padded, ruleOf, groups);
  // NaN: still pending (no try accepted yet).
  const chosen = new Float64Array(groups).fill(Number.NaN);
  while (chosen.some(Number.isNaN)) {
    await groupByGroup(pass, groups, (g) => {
      if (!Number.isNaN(chosen[g] as number)) return undefined;
      // The group's uniforms are drawn when its walk starts and its tries decided when it ends, then dropped.
      const rule = ruleOf(g);
      const total = totals[g] as bigint;
      const us = Array.from({ length: TRIES_PER_PASS }, () => sampleUniformBigBelow(total, rng));
      return locating(bins, pad, padded, rule, total, us, (found) => {
        for (const t of found) {
          if (!sampleBernoulliExpPow2(rule.cost(t.distance), t.exponent, rng)) continue;
          chosen[g] = t.first + (t.size === 1 ? 0 : sampleUniformBelow(t.size, rng));
          return;
        }
      });
    });
  }
  return chosen;
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
  const [b] = await sampleRankSelectionsStreamed(asGroupPass(pass), bins, () => target, 1, factor, pad, padded, rng);
  return b as number;
}

/**
 * Pass 0 for several groups (one pass, module rule): each group's rows n and, when `onCoarse` is given (an interval
 * share), its coarse histogram of the interval's ends (fine bin i in coarse bin ⌊i/group⌋, as `coarsenBins`), with at
 * most ⌈bins/group⌉ entries (≤ 4,096 on the fine grid), handed to `onCoarse` when the group's walk closes and then
 * dropped.
 * Rule (class 11, review stop 23 first: "every released group's coarse histogram is held across the passes", ≈ 70 KB
 * a group with spread values, so whether 20,000 selected groups fit depended on the values): a coarse histogram lives
 * only while its group's bins stream by, like the walks of passes 1 and 2 ("one live group"); what the caller keeps
 * from it (the interval's two ends, `quantile-selection.ts`) is O(1) a group. Nothing per group but n is returned.
 * Test: test/stats/quantile-stream.test.ts ("the coarse histogram is handed on at its group's close").
 * @throws DpError INVALID_PARAMETER when the pass feeds a group's bins out of order or apart, or a count < 1.
 */
export async function countAndCoarsenGroups(
  pass: GroupBinPass,
  groups: number,
  bins: number,
  group: number,
  onCoarse?: (g: number, n: bigint, coarse: SparseBins) => void,
): Promise<{ n: bigint[] }> {
  const n: bigint[] = new Array(groups).fill(0n);
  await groupByGroup(pass, groups, (g) => {
    let rows = 0n;
    const index: number[] = [];
    const count: bigint[] = [];
    // The walker checks the order and the counts; its candidates are not needed here.
    const walker = new CandidateWalker(bins, 0n, false, () => {});
    return {
      add: (bin, c) => {
        walker.add(bin, c);
        rows += c;
        if (!onCoarse) return;
        let j = Math.floor(bin / group);
        if (j * group > bin) j -= 1; // exact integer floor (bin, group < 2⁵³)
        const last = index.length - 1;
        if (index[last] === j) count[last] = (count[last] as bigint) + c;
        else {
          index.push(j);
          count.push(c);
        }
      },
      close: () => {
        walker.end();
        n[g] = rows;
        onCoarse?.(g, rows, { bins: Math.ceil(bins / group), index, count });
      },
    };
  });
  return { n };
}

/**
 * Pass 0 of a streamed quantile release (`countAndCoarsenGroups` with one group, the coarse histogram kept).
 * @throws DpError INVALID_PARAMETER when the pass feeds bins out of order or a count < 1.
 */
export async function countAndCoarsen(pass: BinPass, bins: number, group: number): Promise<{ n: bigint; coarse: SparseBins }> {
  let coarse: SparseBins | undefined;
  const r = await countAndCoarsenGroups(asGroupPass(pass), 1, bins, group, (_g, _n, c) => {
    coarse = c;
  });
  return { n: r.n[0] as bigint, coarse: coarse as SparseBins };
}
