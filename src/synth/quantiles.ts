/**
 * DP bin edges for continuous columns declared `binning: 'quantiles'`: the
 * k − 1 interior cut points of a column cut into k bins are its
 * 1/k, …, (k−1)/k quantiles, released by tsdp/stats' noisy quantile tree
 * (`releaseQuantiles`, discrete Gaussian, one tree per column so every
 * quantile of a column shares one cost) over 4096 equal fine bins of the
 * column's public bounds. Each column's tree is ρ_c-zCDP under adding or
 * removing one record (the tree's L2 sensitivity is its height; the stats
 * release calibrates the noise to it) and is spent through the run's
 * {@link ZcdpFilter} before it is drawn. Sorting the released values is
 * post-processing. The number of bins stays public; only where they are cut
 * is DP.
 * @module
 */
import { DpError, exactLoss, zcdp } from '../core/index.js';
import { nextDown, Rational } from '../numeric/index.js';
import type { RandomSource } from '../random/index.js';
import { quantileBinIndex, releaseQuantiles } from '../stats/index.js';
import { readCell, readField } from '../stats/value-rules.js';
import { type NumericColumn, recordCount, type SynthDomain } from './domain.js';
import type { ZcdpFilter } from './measure.js';

/** Fine bins under each quantile tree (16³: a tree of height 3 at branching 16). */
export const QUANTILE_FINE_BINS = 4096;

function numberOf(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
}

/**
 * Releases the DP cut points of every quantile-binned column, spending `rhoTotal` in equal parts.
 * @param domain - the domain (its `quantileColumns`).
 * @param records - the private records.
 * @param rhoTotal - the zCDP share for all quantile columns together (exact).
 * @param filter - the run's filter (each column's share is spent through it first).
 * @param rng - the random source.
 * @returns column index → sorted interior cut points.
 * @privacy `rhoTotal`-zCDP under adding or removing one record (at most; each column's share is rounded down).
 */
export function releaseCuts(
  domain: SynthDomain,
  records: readonly Readonly<Record<string, unknown>>[],
  rhoTotal: Rational,
  filter: ZcdpFilter,
  rng: RandomSource,
): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const cols = domain.quantileColumns;
  if (cols.length === 0) return out;
  // Each column's ρ: a double whose exact reading (as the release states it) is within the column's share.
  const share = rhoTotal.div(Rational.of(BigInt(cols.length)));
  let rho = share.toNumberDown();
  while (rho > 0 && exactLoss(zcdp(rho)).rho.gt(share)) rho = nextDown(rho);
  const rhoExact = exactLoss(zcdp(rho)).rho;
  for (const j of cols) {
    const c = domain.columns[j] as NumericColumn;
    const k = domain.sizes[j] as number;
    const counts = new Array<number>(QUANTILE_FINE_BINS).fill(0);
    const n = recordCount(records);
    for (let r = 0; r < n; r++) {
      // Total read (`readField`): a record that is not an object, a throwing getter or proxy, or a value that is not a
      // number, counts at the lower bound (no data-dependent error, never the data's code).
      const v = numberOf(readField(readCell(records, r), c.name));
      const i = quantileBinIndex(Number.isNaN(v) ? c.min : v, c.min, c.max, QUANTILE_FINE_BINS);
      counts[i] = (counts[i] as number) + 1;
    }
    filter.spend(rhoExact, { type: 'zcdp', rho });
    const releases = releaseQuantiles({
      binCounts: counts,
      bounds: [c.min, c.max],
      quantiles: Array.from({ length: k - 1 }, (_, i) => (i + 1) / k),
      budget: { rho },
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      integer: c.type === 'integer',
      rng,
    });
    for (const r of releases) {
      if (!exactLoss(r.guarantee).rho.le(rhoExact) || !exactLoss(r.guarantee).epsilon.isZero()) {
        throw new DpError('INTERNAL', 'a quantile release states more than its share', { routine: 'releaseCuts' });
      }
    }
    out.set(
      j,
      releases.map((r) => r.value).sort((a, b) => a - b),
    );
  }
  return out;
}
