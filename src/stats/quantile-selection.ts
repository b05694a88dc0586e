/**
 * One DP quantile of a partition from its bin counts over a public grid, by
 * the exponential mechanism over data intervals (Smith 2011) with the data
 * snapped to the grid — and, with `intervalShare`, a confidence interval for
 * the exact quantile bought with that share of the budget by two more
 * exponential mechanisms aimed at ranks just below and just above it.
 *
 * - The value: the candidates are the bins, a bin's utility is minus the
 *   distance from the target rank q·n to the range of ranks its rows occupy,
 *   its base measure its width (all bins are equally wide). Sampled exactly.
 * - The interval (rule, `quantile-interval.proof.md`): with r = ⌈R⌉ + 1, where
 *   R = (2Δu/ε_end)·(ln(bins + 2) + ln(2/α)) is the exponential mechanism's
 *   rank-error bound at failure probability α/2, the lower end is the lower
 *   edge of a bin chosen for target rank q·n − r and the upper end the upper
 *   edge of a bin chosen for target q·n + r, over the bins padded with r
 *   virtual rows below `lower` and above `upper` (public constants, so the
 *   target always lies within the padded ranks). Each end misses the exact
 *   quantile with probability ≤ α/2, so the interval covers it with
 *   probability ≥ 1 − α, and it is only about 2(r + R) ranks wide: at n = 1,628
 *   and ε = 1 on Adult ages, a few years (bench/stats/quantiles.md).
 *
 * The release is a core `Measurement` (`makeQuantileMeasurement`): its map
 * composes the three mechanisms' maps and is the guarantee and the charge.
 * @module
 */

import { anyDomain } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import type { LossKind, PrivacyLoss } from '../core/loss.js';
import type { Measurement } from '../core/measurement.js';
import { traceNoise } from '../core/trace.js';
import { edgeRecord } from '../numeric/edge.js';
import { nextDown, nextUp } from '../numeric/float-bits.js';
import { Rational } from '../numeric/rational.js';
import { defaultRandomSource, isSecureSource, type RandomSource } from '../random/source.js';
import { checkConfidence, checkPositiveInteger, type OutputBudget, splitBudget } from './_internal/noise.js';
import { checkBounds } from './fixed-point-grid.js';
import { budgetLossAt } from './output-budget.js';
import { checkQuantile, perPartitionEpsilon, readCounts, toColumnValue } from './quantile-common.js';
import { checkSparseBins, coarsenBins, type SparseBins, sampleRankSelection, sparseFromDense } from './quantile-sparse.js';
import { asGroupPass, type BinPass, countAndCoarsenGroups, type GroupBinPass, sampleRankSelectionsStreamed } from './quantile-stream.js';
import { boundedAggregate, noisyRelease, releaseFields, releaseWith } from './release-measurement.js';
import type { ReleasedValue } from './release-post.js';
import type { AggregateRelease, ExactInteger, ReleaseOptions } from './release-types.js';

/** The parameters of one quantile release (public). */
export interface QuantileParameters extends Omit<ReleaseOptions, 'rng' | 'spendFrom'> {
  readonly bounds: readonly [number, number];
  readonly quantile: number;
  /** Share of the budget spent on the confidence interval, in [0, 1). 0: the interval is the bounds. */
  readonly intervalShare?: number;
  /** The column holds integers (public, declared): report the quantile, and its interval, as integers (post-processing). */
  readonly integer?: boolean;
}

/** A quantile as released: value, interval and the exponential mechanism's rank-error bound. */
export type QuantileValue = ReleasedValue & { readonly rankErrorBound: number };

/** One exponential mechanism of the release: its per-partition ε and its privacy map. */
interface Selection {
  readonly epsilon: number;
  readonly budget: OutputBudget;
  lossAt(units: number): PrivacyLoss;
}

function selection(budget: OutputBudget, partitions: number, contributions: number): Selection {
  const epsilon = perPartitionEpsilon(budget, partitions, contributions);
  // Each of the `partitions` partitions runs it at ε (or ε²/2 ≤ ρ/p); k units move each utility by k·Δu.
  return { epsilon, budget, lossAt: (units) => budgetLossAt(budget, units) };
}

/** Reads the interval share. @throws DpError INVALID_PARAMETER unless in [0, 1). */
export function checkIntervalShare(share: unknown): number {
  if (typeof share !== 'number' || !(share >= 0 && share < 1)) {
    throw new DpError('INVALID_PARAMETER', 'intervalShare must be in [0, 1)', { parameter: 'intervalShare' });
  }
  return share;
}

/** The budgets of the value and of the interval's two ends (each end half of `share`). */
export function quantileBudgets(
  budget: OutputBudget,
  share: number,
): { point: OutputBudget; ends: [OutputBudget, OutputBudget] | undefined } {
  if (share === 0) return { point: budget, ends: undefined };
  const [point, low, high] = splitBudget(budget, [1 - share, share / 2, share / 2]);
  if (point === undefined || low === undefined || high === undefined) throw new DpError('INTERNAL', 'a budget split lost a part', {});
  return { point, ends: [low, high] };
}

/**
 * The measurement of one quantile release: the exact bin counts (bounded data)
 * chained into the exponential mechanism for the value and, with
 * `intervalShare`, the two for the interval's ends.
 * @param p - bounds, quantile, budget, contribution bounds, confidence, intervalShare, integer.
 * @param bins - the number of bins the counts will have (public).
 * @returns a measurement from the bin counts to the quantile, its interval and rank-error bound.
 * @throws DpError INVALID_PARAMETER on invalid parameters or a budget too small for a finite selection scale.
 * @privacy `privacyMap(k)`: the composition of the mechanisms' maps (pure kε each, or k²ρ under ρ); at k = 1 the output budget (parts rounded down).
 * @see Smith (2011), §3; McSherry & Talwar (2007).
 * @example
 * makeQuantileMeasurement({ bounds: [0, 100], quantile: 0.5, budget: { epsilon: 1 }, intervalShare: 0.5 }, 4096).privacyMap(1);
 */
export function makeQuantileMeasurement(p: QuantileParameters, bins: number): Measurement<readonly bigint[], QuantileValue, LossKind> {
  const q = buildQuantile(p, bins, 1);
  const domain = { kind: 'vector', element: { kind: 'bigint' }, size: bins } as const;
  return boundedAggregate<readonly bigint[]>(`bin counts over ${bins} bins`, p, domain).then(
    noisyRelease('quantile (exponential mechanism)', domain, q.parts, (counts: readonly bigint[], rng) => {
      if (counts.length !== bins) throw new DpError('INTERNAL', 'bin counts do not match the measurement', {});
      return q.invoke(sparseFromDense(counts), rng);
    }),
  );
}

/** Bins of the fine grid (`makeFineQuantileMeasurement`): 2³². */
export const FINE_QUANTILE_BINS = 2 ** 32;

/** The most bins of the grid the interval's ends run on under a fine grid (each the union of ⌈bins/4096⌉ fine bins). */
export const FINE_INTERVAL_BINS = 4096;

/**
 * The measurement of one quantile release on a fine public grid (2³² bins by
 * default, or one bin per integer of an integer column), from the non-empty bins
 * alone (`SparseBins`): the same exponential mechanism as `makeQuantileMeasurement`
 * over all the fine bins, sampled exactly over the non-empty bins and the gaps
 * between them (`quantile-sparse.proof.md`). The interval's two ends run over the
 * coarser grid whose bin j is the union of fine bins [j·g, (j + 1)·g), g = ⌈bins/4096⌉
 * (at most 4,096 bins; for 2³² fine bins exactly the 4,096-bin grid's counts), by the
 * construction of `quantile-interval.proof.md`.
 * @param p - as `makeQuantileMeasurement`.
 * @param bins - an integer in [2, 2⁵²] (default 2³²).
 * @returns a measurement from the sparse bin counts to the quantile, its interval and rank-error bound.
 * @throws DpError INVALID_PARAMETER on invalid parameters.
 * @privacy `privacyMap(k)`: as `makeQuantileMeasurement` (the same mechanisms).
 * @example
 * makeFineQuantileMeasurement({ bounds: [0, 1.5e6], quantile: 0.5, budget: { epsilon: 1 } }).privacyMap(1);
 */
export function makeFineQuantileMeasurement(
  p: QuantileParameters,
  bins: number = FINE_QUANTILE_BINS,
): Measurement<SparseBins, QuantileValue, LossKind> {
  if (!(Number.isSafeInteger(bins) && bins >= 2 && bins <= 2 ** 52)) {
    throw new DpError('INVALID_PARAMETER', 'a fine quantile grid has an integer number of bins in [2, 2^52]', { parameter: 'bins' });
  }
  const q = buildQuantile(p, bins, Math.ceil(bins / FINE_INTERVAL_BINS));
  const domain = anyDomain(`sparse bin counts over ${bins} bins`);
  return boundedAggregate<SparseBins>(`sparse bin counts over ${bins} bins`, p, domain).then(
    noisyRelease('quantile (exponential mechanism, fine grid)', domain, q.parts, (s: SparseBins, rng) => {
      checkSparseBins(s, bins);
      return q.invoke(s, rng);
    }),
  );
}

/**
 * One quantile release on a fine grid whose histogram is read in passes over its non-empty bins (`BinPass`, e.g. rows
 * streamed from a database in bin order) instead of held in memory: the law of `makeFineQuantileMeasurement(p, bins)`
 * exactly (same candidates, proposal and acceptance, `quantile-stream.ts`), its privacy map that measurement's, and
 * memory bounded by a public constant (`TRIES_PER_PASS` tries and ≤ 4,096 coarse bins) whatever the data.
 * @param p - as `makeFineQuantileMeasurement`.
 * @param bins - as `makeFineQuantileMeasurement`.
 * @returns the measurement (its `privacyMap` is the charge) and `release`, which reads the bins in ≥ 3 passes.
 * @throws DpError INVALID_PARAMETER on invalid parameters (when built, before any charge).
 * @privacy as `makeFineQuantileMeasurement`.
 */
export function makeStreamedFineQuantile(
  p: QuantileParameters,
  bins: number = FINE_QUANTILE_BINS,
): {
  readonly measurement: Measurement<SparseBins, QuantileValue, LossKind>;
  release(pass: BinPass, rng: RandomSource): Promise<QuantileValue>;
  /** G groups' releases from one set of passes (quantile-stream.ts rule), each with `release`'s law, independent. */
  releaseGroups(pass: GroupBinPass, groups: number, rng: RandomSource): Promise<QuantileValue[]>;
} {
  const measurement = makeFineQuantileMeasurement(p, bins);
  const q = buildQuantile(p, bins, Math.ceil(bins / FINE_INTERVAL_BINS));
  return {
    measurement,
    release: (pass, rng) => q.invokeStreamed(pass, rng),
    releaseGroups: (pass, groups, rng) => q.invokeStreamedGroups(pass, groups, rng),
  };
}

/**
 * The fine public grid of a column: one bin per integer on [L − ½, U + ½] for a declared
 * integer column with integer bounds [L, U], |L| and |U| < 2⁵², and at most 2³² values, else 2³² equal bins
 * on the bounds. Public: from the declared bounds and type only.
 * @param bounds - the declared bounds [L, U].
 * @param integer - whether the column is declared integer.
 * @returns the grid's bounds and bins (for `makeFineQuantileMeasurement` and `quantileBinIndex`).
 * @example
 * fineQuantileGrid([17, 90], true); // { bounds: [16.5, 90.5], bins: 74 }
 */
export function fineQuantileGrid(bounds: readonly [number, number], integer: boolean): { bounds: [number, number]; bins: number } {
  const [lower, upper] = checkBounds(bounds);
  const values = upper - lower + 1;
  // Rule (review, stop 20 third shift): one bin per integer only when |L|, |U| < 2⁵², where L − ½ and U + ½ are
  // doubles (the spacing of doubles is ≤ ½ below 2⁵²); at or above 2⁵² they round, and integer x fell in bin
  // x − L + 1 (bin 0 empty, two integers in the last bin). Else 2³² equal bins. Test: test/stats/quantile-fine.test.ts.
  const lattice = Number.isInteger(lower) && Number.isInteger(upper) && Math.abs(lower) < 2 ** 52 && Math.abs(upper) < 2 ** 52;
  if (integer && lattice && values >= 2 && values <= FINE_QUANTILE_BINS) {
    return { bounds: [lower - 0.5, upper + 0.5], bins: values };
  }
  return { bounds: [lower, upper], bins: FINE_QUANTILE_BINS };
}

/**
 * The mechanisms of one quantile release over `bins` bins (the value) and over the
 * coarser bins of `endGroup` bins each (the interval's ends): their privacy parts and
 * the release on a sparse histogram.
 */
function buildQuantile(
  p: QuantileParameters,
  bins: number,
  endGroup: number,
): {
  parts: readonly Selection[];
  invoke(s: SparseBins, rng: RandomSource): QuantileValue;
  invokeStreamed(pass: BinPass, rng: RandomSource): Promise<QuantileValue>;
  invokeStreamedGroups(pass: GroupBinPass, groups: number, rng: RandomSource): Promise<QuantileValue[]>;
} {
  edgeRecord(p, 'p');
  const [lower, upper] = checkBounds(p.bounds);
  const q = checkQuantile(p.quantile);
  const share = checkIntervalShare(p.intervalShare ?? 0);
  const partitions = checkPositiveInteger(p.maxPartitions ?? 1, 'maxPartitions');
  const contributions = checkPositiveInteger(p.maxContributionsPerPartition ?? 1, 'maxContributionsPerPartition');
  const confidence = checkConfidence(p.confidence ?? 0.95);
  if (!(Number.isSafeInteger(bins) && bins >= 2))
    throw new DpError('INVALID_PARAMETER', 'bins must be an integer >= 2', { parameter: 'bins' });
  const budgets = quantileBudgets(p.budget, share);
  const point = selection(budgets.point, partitions, contributions);
  const ends: readonly [Selection, Selection] | undefined = budgets.ends && [
    selection(budgets.ends[0], partitions, contributions),
    selection(budgets.ends[1], partitions, contributions),
  ];
  // The utility −dist(q·n, [lo, hi]) moves by at most Δu = c·max(q, 1 − q) when one unit adds or removes c rows:
  // lo and hi move by j ∈ [0, c] while q·n moves by q·c, and the distance is 1-Lipschitz in both.
  const qExact = Rational.fromNumber(q);
  const oneMinusQ = Rational.ONE.sub(qExact);
  const utilitySensitivity = Rational.of(BigInt(contributions)).mul(qExact.gt(oneMinusQ) ? qExact : oneMinusQ);
  const scaleOf = (s: Selection) => (2 * utilitySensitivity.toNumberUp()) / s.epsilon;
  const alpha = 1 - confidence;
  const width = (upper - lower) / bins;
  const endBins = Math.ceil(bins / endGroup);
  // Coarse bin j spans fine bins [j·g, (j + 1)·g): its edges are lower + j·g·width (the last one clipped at `upper`).
  const endWidth = endGroup * width;
  const integer = p.integer === true;
  // The ends' paddings are public; computed here so that a share too small for a finite padding is refused when the
  // measurement is built (before any charge), not when it runs.
  const pads = ends && ([padding(scaleOf(ends[0]), endBins, alpha), padding(scaleOf(ends[1]), endBins, alpha)] as const);
  const binValue = (chosen: number) =>
    toColumnValue(Math.min(upper, Math.max(lower, lower + (chosen + 0.5) * width)), lower, upper, integer);
  const invoke = (s: SparseBins, rng: RandomSource): QuantileValue => {
    const n = s.count.reduce((a, b) => a + b, 0n);
    const target = qExact.mul(Rational.of(n));
    const chosen = choose(s, target, point, 0n, false, rng);
    return withInterval(binValue(chosen), ends && drawEnds(coarsenBins(s, endGroup), target, rng));
  };
  // The same release from passes over the non-empty bins (quantile-stream.ts), for G groups at once (one set of
  // passes): pass 0 counts each group's n and, with a share, draws its interval's two ends from its coarse histogram
  // when its walk closes; then the value's exponential mechanism streamed for every group.
  const invokeStreamedGroups = async (pass: GroupBinPass, groups: number, rng: RandomSource): Promise<QuantileValue[]> => {
    // Rule (class 11, reviews stop 22 second and stop 23 first): per group only n, the normaliser, the outcome and
    // (with a share) the two ends are held across passes; the coarse histogram lives only while its group's bins
    // stream by in pass 0 (quantile-stream.ts, "one live group"). The ends read only the coarse histogram and the
    // target q·n, both complete at the close, so drawing them then is the same law: independent fresh draws, taken
    // in the statement's (public) group order before the values instead of after them (quantile-sparse.proof.md,
    // "Streamed, several groups"). Test: test/stats/quantile-stream.test.ts ("ends drawn in pass 0").
    const drawn: ({ lo: number; hi: number } | undefined)[] = new Array(groups).fill(undefined);
    const counted = await countAndCoarsenGroups(
      pass,
      groups,
      bins,
      endGroup,
      ends &&
        ((g, n, coarse) => {
          drawn[g] = drawEnds(coarse, qExact.mul(Rational.of(n)), rng);
        }),
    );
    const targetOf = (g: number) => qExact.mul(Rational.of(counted.n[g] as bigint));
    for (const n of counted.n) traceSelection(n, bins, point, 0n);
    const chosen = await sampleRankSelectionsStreamed(pass, bins, targetOf, groups, factorOf(point), 0n, false, rng);
    return counted.n.map((_, g) => withInterval(binValue(chosen[g] as number), drawn[g]));
  };
  const invokeStreamed = async (pass: BinPass, rng: RandomSource): Promise<QuantileValue> =>
    (await invokeStreamedGroups(asGroupPass(pass), 1, rng))[0] as QuantileValue;
  /** The interval's two ends (coarse bins in [−1, endBins]) over the coarse histogram, for a release with a share. */
  const drawEnds = (coarse: SparseBins, target: Rational, rng: RandomSource): { lo: number; hi: number } => {
    if (ends === undefined || pads === undefined) throw new DpError('INTERNAL', 'interval ends without an interval share', {});
    const [low, high] = ends;
    const [padLow, padHigh] = pads;
    const lo = choose(coarse, target.sub(Rational.of(padLow)), low, padLow, true, rng);
    const hi = choose(coarse, target.add(Rational.of(padHigh)), high, padHigh, true, rng);
    return { lo, hi };
  };
  /** The value's release and, with a share, its interval from the two ends drawn (`drawEnds`). */
  const withInterval = (value: number, drawnEnds: { lo: number; hi: number } | undefined): QuantileValue => {
    const scale = scaleOf(point);
    // Exponential-mechanism utility bound: P(dist > 2Δ(ln bins + ln(1/β))/ε) ≤ β.
    const rankErrorBound = scale * (Math.log(bins) + Math.log(1 / alpha));
    const noise: { kind: string; scale: number }[] = [{ kind: 'exponential-mechanism', scale }];
    if (ends === undefined || drawnEnds === undefined) {
      const inside = integer && Math.ceil(lower) <= Math.floor(upper);
      const bounds = inside ? { lower: Math.ceil(lower), upper: Math.floor(upper) } : { lower, upper };
      return { value, interval: { ...bounds, confidence: 1, method: 'bounds' }, noise, rankErrorBound };
    }
    const [low, high] = ends;
    const { lo, hi } = drawnEnds;
    // lo, hi ∈ [−1, endBins]: −1 and endBins are the virtual bins below `lower` and above `upper`.
    let ivLower = lo < 0 ? lower : Math.max(lower, nextDown(lower + lo * endWidth));
    let ivUpper = hi >= endBins ? upper : Math.min(upper, nextUp(lower + (hi + 1) * endWidth));
    if (integer) {
      ivLower = Math.max(lower, Math.ceil(ivLower));
      ivUpper = Math.min(upper, Math.floor(ivUpper));
    }
    noise.push({ kind: 'exponential-mechanism', scale: scaleOf(low) }, { kind: 'exponential-mechanism', scale: scaleOf(high) });
    return {
      value,
      // Widened to hold the value too (post-processing; coverage of the exact quantile is unchanged or better).
      interval: { lower: Math.min(ivLower, value), upper: Math.max(ivUpper, value), confidence, method: 'union-bound' },
      noise,
      rankErrorBound,
    };
  };

  function factorOf(s: Selection): Rational {
    return Rational.fromNumber(s.epsilon).div(utilitySensitivity.mul(Rational.of(2n)));
  }

  function traceSelection(n: bigint, gridBins: number, s: Selection, pad: bigint): void {
    traceNoise({
      primitive: 'exponential-mechanism:quantile',
      value: Number(n),
      sensitivity: utilitySensitivity.toNumberUp(),
      scale: scaleOf(s),
      extra: { quantile: q, bins: gridBins, pad: Number(pad) },
    });
  }

  /**
   * Samples a bin of `h` for `target` with the selection's ε: over its bins, or (padded) over its bins with
   * `pad` virtual rows below and above, returned as −1 and `h.bins`.
   */
  function choose(h: SparseBins, target: Rational, s: Selection, pad: bigint, padded: boolean, rng: RandomSource): number {
    traceSelection(
      h.count.reduce((a, b) => a + b, 0n),
      h.bins,
      s,
      pad,
    );
    return sampleRankSelection(h, target, factorOf(s), pad, padded, rng);
  }

  return { parts: ends === undefined ? [point] : [point, ...ends], invoke, invokeStreamed, invokeStreamedGroups };
}

/**
 * r = ⌈R⌉ + 1 rows, with R = scale·(ln(bins + 2) + ln(2/α)) the exponential
 * mechanism's rank-error bound over bins + 2 candidates at failure probability α/2
 * (rounded up with a relative margin, so float error only widens the interval).
 */
function padding(scale: number, bins: number, alpha: number): bigint {
  const bound = scale * (Math.log(bins + 2) + Math.log(2 / alpha));
  const r = Math.ceil(bound * (1 + 1e-9)) + 1;
  if (!Number.isSafeInteger(r)) {
    throw new DpError('INVALID_PARAMETER', 'the interval share is too small for a quantile interval: raise it or the budget', {
      parameter: 'intervalShare',
    });
  }
  return BigInt(r);
}

/**
 * Releases one quantile of the values in a partition, from its bin counts.
 * @param input - `binCounts` over equal bins of `bounds` (see `quantileBinIndex`), `quantile` in [0, 1], and the release options (`spendFrom` to charge a `PrivacyBudget`).
 * @param input - also `intervalShare` (default 0): the share of the budget spent on the interval's two ends (half each); the interval then covers the exact quantile with probability ≥ `confidence` (`method: 'union-bound'`). With 0 the interval is the bounds (`method: 'bounds'`, coverage 1).
 * @returns the midpoint of the chosen bin (rounded for an integer column), its guarantee (the measurement's `privacyMap(1)`), the interval and the value's rank-error bound.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED (nothing charged) when `spendFrom` cannot pay.
 * @privacy ε-DP under add/remove one unit (utility sensitivity maxContributionsPerPartition·max(q, 1 − q), ε split over maxPartitions partitions); under a ρ budget, ε²/2-zCDP per partition.
 *   Not constant-time: the sampler's work (linear in the non-empty bins, about 2 tries in expectation) depends on the data (SECURITY.md §11).
 * @see Smith (2011), "Privacy-preserving statistical estimation with optimal convergence rates", §3; McSherry & Talwar (2007).
 * @example
 * releaseQuantile({ binCounts: [1, 5, 9, 2], bounds: [0, 4], quantile: 0.5, budget: { epsilon: 1 }, intervalShare: 0.5 });
 */
export function releaseQuantile(
  input: {
    binCounts: readonly ExactInteger[];
    bounds: readonly [number, number];
    quantile: number;
    intervalShare?: number;
    /** The column holds integers (public, declared): report the quantile rounded to an integer (post-processing). */
    integer?: boolean;
  } & ReleaseOptions,
): AggregateRelease & { rankErrorBound: number } {
  edgeRecord(input, 'input');
  const counts = readCounts(input.binCounts);
  const m = makeQuantileMeasurement(input, counts.length);
  const r = releaseWith(m, counts, input);
  return { ...r.value, ...releaseFields(r) };
}

/**
 * `releaseSparseQuantile` with the histogram read in passes over its non-empty bins (`BinPass`, e.g. a DuckDB
 * statement streamed in chunks, `sql/quantile-stream-sql.ts`) instead of held: `makeStreamedFineQuantile`'s release,
 * whose law is exactly that of `makeFineQuantileMeasurement(input, gridBins)` and whose guarantee is that
 * measurement's `privacyMap(1)` (quantile-sparse.proof.md, "Streamed").
 * @param input - as `releaseSparseQuantile`, with `pass` for `bins`; no `spendFrom` (the caller charged already).
 * @returns as `releaseSparseQuantile`.
 * @throws DpError INVALID_PARAMETER (parameters, or a pass out of order); INTERNAL when two passes differ.
 * @privacy as `releaseSparseQuantile`. Not constant-time (SECURITY.md §11): the passes are linear in the non-empty bins.
 */
export async function releaseStreamedQuantile(
  input: {
    pass: BinPass;
    gridBins: number;
    bounds: readonly [number, number];
    quantile: number;
    intervalShare?: number;
    integer?: boolean;
  } & Omit<ReleaseOptions, 'spendFrom'>,
): Promise<AggregateRelease & { rankErrorBound: number }> {
  const { pass, ...rest } = input;
  const [r] = await releaseStreamedQuantileGroups({ ...rest, pass: asGroupPass(pass), groups: 1 });
  return r as AggregateRelease & { rankErrorBound: number };
}

/**
 * `releaseStreamedQuantile` for G groups from ONE set of passes over all their bins (`GroupBinPass`, quantile-stream.ts
 * rule: 3 passes whatever G and the data): each group's release has the one-group law and guarantee, independently.
 * @param input - as `releaseStreamedQuantile`, with `pass` over groups 0 … `groups` − 1.
 * @returns per group, in index order, as `releaseStreamedQuantile`.
 * @throws DpError INVALID_PARAMETER (parameters, or a pass out of order); INTERNAL when two passes differ.
 * @privacy each group's release is `makeFineQuantileMeasurement`'s on that group's bins (the caller composes them over
 *   disjoint partitions). Not constant-time (SECURITY.md §11).
 */
export async function releaseStreamedQuantileGroups(
  input: {
    pass: GroupBinPass;
    groups: number;
    gridBins: number;
    bounds: readonly [number, number];
    quantile: number;
    intervalShare?: number;
    integer?: boolean;
  } & Omit<ReleaseOptions, 'spendFrom'>,
): Promise<(AggregateRelease & { rankErrorBound: number })[]> {
  edgeRecord(input, 'input');
  if ('spendFrom' in input)
    throw new DpError('INVALID_PARAMETER', 'a streamed quantile release takes no spendFrom', { parameter: 'spendFrom' });
  const groups = checkPositiveInteger(input.groups, 'groups');
  const r = makeStreamedFineQuantile(input, input.gridBins);
  const guarantee = r.measurement.privacyMap(1); // priced before any pass reads a bin
  const rng = input.rng ?? defaultRandomSource();
  const values = await r.releaseGroups(input.pass, groups, rng);
  const mark = isSecureSource(rng) ? {} : { notForRelease: true as const };
  return values.map((value) => ({ ...value, guarantee: { ...guarantee }, ...mark }));
}

/**
 * Releases one quantile of the values in a partition on a fine public grid, from its
 * non-empty bins alone (`makeFineQuantileMeasurement`; DP SQL's MEDIAN/QUANTILE).
 * @param input - `bins` (`SparseBins` over `gridBins` bins of `bounds`, see `fineQuantileGrid`), `quantile`, `intervalShare`, `integer` and the release options.
 * @returns as `releaseQuantile`.
 * @throws DpError INVALID_PARAMETER; BUDGET_EXHAUSTED (nothing charged) when `spendFrom` cannot pay.
 * @privacy as `releaseQuantile` (the same mechanisms over the fine grid's bins).
 *   Not constant-time: linear in the non-empty bins (SECURITY.md §11).
 * @example
 * releaseSparseQuantile({ bins: { bins: 4, index: [1, 2], count: [5n, 9n] }, gridBins: 4, bounds: [0, 4], quantile: 0.5, budget: { epsilon: 1 } });
 */
export function releaseSparseQuantile(
  input: {
    bins: SparseBins;
    gridBins: number;
    bounds: readonly [number, number];
    quantile: number;
    intervalShare?: number;
    integer?: boolean;
  } & ReleaseOptions,
): AggregateRelease & { rankErrorBound: number } {
  edgeRecord(input, 'input');
  const m = makeFineQuantileMeasurement(input, input.gridBins);
  const r = releaseWith(m, input.bins, input);
  return { ...r.value, ...releaseFields(r) };
}
