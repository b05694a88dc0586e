/**
 * Aggregation of Apple's count-mean-sketch and Hadamard count-mean-sketch
 * (Apple 2017, Algorithms 3 and 5), with the variances derived for this
 * implementation (ideal hash functions):
 *
 * - CMS: f̂(d) = m/(m−1) · Σ_i (c/2·ṽ_i[h_{j_i}(d)] + 1/2 − 1/m), c = 1/(1 − 2f);
 *   Var = (m/(m−1))² · [n (c² − 1)/4 + (n − n_d)(1/m)(1 − 1/m)].
 * - HCMS: f̂(d) = m/(m−1) · Σ_i (c·b_i·H[h_{j_i}(d)][l_i] − 1/m);
 *   Var = (m/(m−1))² · [n_d (c² − 1) + (n − n_d)(c² − 1/m²)].
 *
 * Both are unbiased over the choice of hash functions; for one fixed set of
 * h hash functions a value d′ ≠ d that collides with d in a fraction ρ of the
 * rows adds n_{d′}·m/(m−1)·(ρ − 1/m) — the sketch's collision error, which
 * more rows (h) and a wider sketch (m) shrink.
 * @module
 */
import { DpError } from '../../core/errors.js';
import { type SketchParams, sketchBucketUnchecked } from '../protocols/count-mean-sketch.js';
import { type Accumulator, clampCount } from './accumulator.js';
import { BitRows } from './bit-rows.js';
import { isSketchValue } from './check.js';
import { type AccumulatorSnapshot, addInto, readVector, requireNames, SnapshotError } from './snapshot.js';
import { checkIndex, headerChecker, plausibleOnes, type ReportObject } from './validate.js';
import { walshHadamard } from './walsh-hadamard.js';

function requireCandidates(candidates: readonly (string | number)[] | undefined): readonly (string | number)[] {
  if (candidates === undefined) {
    throw new DpError('INVALID_PARAMETER', 'sketch protocols estimate a list of candidate values: pass candidates', {
      parameter: 'candidates',
    });
  }
  for (const c of candidates) {
    if (!isSketchValue(c)) {
      throw new DpError('INVALID_PARAMETER', 'candidates must be strings or integers in [0, 2^32)', { parameter: 'candidates' });
    }
  }
  return candidates;
}

/** The CMS variance for n reports of which nd have the value (ideal hashes). */
export function cmsVariance(params: SketchParams, n: number, nd: number): number {
  const m = params.width;
  const c = params.scale;
  return (m / (m - 1)) ** 2 * ((n * (c * c - 1)) / 4 + ((n - nd) * (1 - 1 / m)) / m);
}

/** The HCMS variance for n reports of which nd have the value (ideal hashes). */
export function hcmsVariance(params: SketchParams, n: number, nd: number): number {
  const m = params.width;
  const c = params.scale;
  return (m / (m - 1)) ** 2 * (nd * (c * c - 1) + (n - nd) * (c * c - 1 / (m * m)));
}

/** Count-mean-sketch aggregation: per row j, the number of reports and of +1 entries per column. */
export function cmsAccumulator(params: SketchParams): Accumulator {
  const m = params.width;
  const h = params.hashCount;
  const header = { eps: params.requestedEpsilon, m, h };
  const checkHeaderOf = headerChecker('cms', header, ['j', 'b']);
  const f = params.flipProbability;
  const mean = (m - 1) * f + (1 - f);
  const counts = new BitRows(h, m, { ones: 'plus', rows: 'rows' }, plausibleOnes(m, mean, mean));
  const { ones: plus, perRow: rows } = counts;
  let total = 0;
  return {
    get total() {
      return total;
    },
    ingest(report: ReportObject) {
      const bad = checkHeaderOf(report) ?? counts.add(report.j, report.b);
      if (bad) return bad;
      total++;
      return null;
    },
    snapshot: () => ({ total, cells: counts.cells() }),
    absorb(snapshot: AccumulatorSnapshot) {
      counts.absorb(snapshot);
      total += snapshot.total;
    },
    estimate(candidates) {
      const values = requireCandidates(candidates);
      const c = params.scale;
      const n = total;
      const counts = new Float64Array(values.length);
      const variances = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        let sum = 0;
        for (let j = 0; j < h; j++) {
          const nj = rows[j] as number;
          const p = plus[j * m + sketchBucketUnchecked(params, values[i] as string | number, j)] as number;
          sum += (c / 2) * (2 * p - nj) + nj / 2;
        }
        const estimate = (m / (m - 1)) * (sum - n / m);
        counts[i] = estimate;
        variances[i] = cmsVariance(params, n, clampCount(estimate, n));
      }
      return { values, counts, variances };
    },
  };
}

/** Hadamard count-mean-sketch aggregation: per row j, Σ ±1 per Hadamard column, transformed at estimate time. */
export function hcmsAccumulator(params: SketchParams): Accumulator {
  const m = params.width;
  const h = params.hashCount;
  const signs = new Float64Array(h * m);
  const header = { eps: params.requestedEpsilon, m, h };
  const checkHeaderOf = headerChecker('hcms', header, ['j', 'l', 'y']);
  let total = 0;
  let transformed: Float64Array | null = null;
  return {
    get total() {
      return total;
    },
    ingest(report: ReportObject) {
      const bad = checkHeaderOf(report) ?? checkIndex(report.j, h) ?? checkIndex(report.l, m) ?? checkIndex(report.y, 2);
      if (bad) return bad;
      const cell = (report.j as number) * m + (report.l as number);
      signs[cell] = (signs[cell] as number) + (report.y === 1 ? 1 : -1);
      total++;
      transformed = null;
      return null;
    },
    snapshot: () => ({ total, cells: { signs: Array.from(signs) } }),
    absorb(snapshot: AccumulatorSnapshot) {
      requireNames(snapshot, ['signs']);
      // Each report adds ±1 to one cell: Σ|s| ≤ total, and the reports that cancelled come in pairs.
      const added = readVector(snapshot, 'signs', h * m, -snapshot.total, snapshot.total);
      let absolute = 0;
      for (const x of added) absolute += Math.abs(x);
      if (absolute > snapshot.total || (snapshot.total - absolute) % 2 !== 0) {
        throw new SnapshotError('cells.signs must be ±1 sums of total reports (Σ|signs| ≤ total, same parity)');
      }
      addInto(signs, added);
      total += snapshot.total;
      transformed = null;
    },
    estimate(candidates) {
      const values = requireCandidates(candidates);
      if (transformed === null) {
        transformed = Float64Array.from(signs);
        for (let j = 0; j < h; j++) walshHadamard(transformed.subarray(j * m, (j + 1) * m));
      }
      const c = params.scale;
      const n = total;
      const counts = new Float64Array(values.length);
      const variances = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        let sum = 0;
        for (let j = 0; j < h; j++) sum += transformed[j * m + sketchBucketUnchecked(params, values[i] as string | number, j)] as number;
        const estimate = (m / (m - 1)) * (c * sum - n / m);
        counts[i] = estimate;
        variances[i] = hcmsVariance(params, n, clampCount(estimate, n));
      }
      return { values, counts, variances };
    },
  };
}
