/**
 * Aggregation and decoding of RAPPOR (Erlingsson, Pihur, Korolova 2014, §4).
 *
 * Per cohort j the aggregator keeps N_j (reports) and C_ji (reports with bit
 * i set). The unbiased estimate of how many of the cohort's users have Bloom
 * bit i set is t_ji = (C_ji − p* N_j)/(q* − p*). For candidate strings d with
 * Bloom positions B_j(d), t ≈ A·n where A[(j,i), d] = (N_j/N)·[i ∈ B_j(d)] and
 * n_d are the counts to find (users pick cohorts uniformly, so about N_j/N of
 * d's users are in cohort j). Decoding is regression, as in the paper:
 *
 * - `'ols'` (default when the candidates' Bloom patterns are linearly
 *   independent): ordinary least squares over all candidates — unbiased
 *   when every value reported is a candidate — with the exact sandwich
 *   variance (AᵀA)⁻¹AᵀΣA(AᵀA)⁻¹, Σ = diag Var(t_ji) (plug-in);
 * - `'nnls'`: non-negative least squares selects the candidates, then OLS on
 *   the selected ones gives their counts and variances (the paper's
 *   Lasso-then-OLS, with NNLS as the selector); candidates left out get a
 *   count of 0 and an infinite variance (not identified).
 * @module
 */
import { DpError } from '../../core/errors.js';
import { type RapporParams, rapporBloomPositionsUnchecked } from '../protocols/rappor.js';
import type { Accumulator, CountEstimates } from './accumulator.js';
import { BitRows } from './bit-rows.js';
import { cholesky, choleskySolve, nnls } from './linalg.js';
import type { AccumulatorSnapshot } from './snapshot.js';
import { headerChecker, plausibleOnes, type ReportObject } from './validate.js';

/** RAPPOR decoding method. */
export type RapporDecoding = 'ols' | 'nnls';

/** RAPPOR aggregation state; `decode` picks the regression. */
export interface RapporAccumulator extends Accumulator {
  decode(candidates: readonly (string | number)[], method: RapporDecoding | 'auto'): CountEstimates & { readonly method: RapporDecoding };
}

/** RAPPOR aggregation. */
export function rapporAccumulator(params: RapporParams): RapporAccumulator {
  const m = params.bloomBits;
  const cohorts = params.cohorts;
  const header = { eps: params.requestedEpsilon, m, h: params.hashCount, c: cohorts, epsInf: params.requestedEpsilonInfinity };
  const checkHeaderOf = headerChecker('rappor', header, ['r', 'b']);
  const { pStar, qStar } = params;
  const counts = new BitRows(
    cohorts,
    m,
    { ones: 'ones', rows: 'perCohort' },
    plausibleOnes(m, m * pStar, m * pStar + params.hashCount * (qStar - pStar)),
  );
  const { ones, perRow: perCohort } = counts;
  let total = 0;

  function decode(candidates: readonly (string | number)[], method: RapporDecoding | 'auto') {
    const count = candidates.length;
    if (count === 0) return { values: [], counts: new Float64Array(0), variances: new Float64Array(0), method: 'ols' as const };
    const rows = cohorts * m;
    const n = total;
    const a = new Float64Array(rows * count);
    for (let d = 0; d < count; d++) {
      for (let j = 0; j < cohorts; j++) {
        const weight = n > 0 ? (perCohort[j] as number) / n : 0;
        for (const i of rapporBloomPositionsUnchecked(params, candidates[d] as string | number, j)) a[(j * m + i) * count + d] = weight;
      }
    }
    const t = new Float64Array(rows);
    const sigma = new Float64Array(rows);
    const gap = qStar - pStar;
    for (let j = 0; j < cohorts; j++) {
      const nj = perCohort[j] as number;
      for (let i = 0; i < m; i++) {
        const row = j * m + i;
        const estimate = ((ones[row] as number) - pStar * nj) / gap;
        t[row] = estimate;
        const n1 = Math.min(nj, Math.max(0, estimate));
        sigma[row] = (n1 * qStar * (1 - qStar) + (nj - n1) * pStar * (1 - pStar)) / (gap * gap);
      }
    }
    const gram = new Float64Array(count * count);
    const moment = new Float64Array(count);
    for (let row = 0; row < rows; row++) {
      const base = row * count;
      for (let d = 0; d < count; d++) {
        const ad = a[base + d] as number;
        if (ad === 0) continue;
        moment[d] = (moment[d] as number) + ad * (t[row] as number);
        for (let e = 0; e < count; e++) gram[d * count + e] = (gram[d * count + e] as number) + ad * (a[base + e] as number);
      }
    }
    let selected: number[];
    let used: RapporDecoding;
    if (method !== 'nnls' && cholesky(gram, count) !== null) {
      selected = Array.from({ length: count }, (_, d) => d);
      used = 'ols';
    } else {
      if (method === 'ols') {
        throw new DpError('NUMERICAL_ERROR', 'the candidates are not identifiable by OLS (dependent Bloom patterns); use nnls decoding', {
          routine: 'rappor-decode',
        });
      }
      const x = nnls(gram, moment, count);
      selected = [];
      for (let d = 0; d < count; d++) if ((x[d] as number) > 0) selected.push(d);
      used = 'nnls';
    }
    const counts = new Float64Array(count);
    const variances = new Float64Array(count).fill(used === 'nnls' ? Number.POSITIVE_INFINITY : 0);
    const s = selected.length;
    if (s > 0) {
      const sub = new Float64Array(s * s);
      for (let x = 0; x < s; x++)
        for (let y = 0; y < s; y++) sub[x * s + y] = gram[(selected[x] as number) * count + (selected[y] as number)] as number;
      const l = cholesky(sub, s);
      if (l === null) throw new DpError('NUMERICAL_ERROR', 'RAPPOR decoding failed: singular design', { routine: 'rappor-decode' });
      const beta = choleskySolve(
        l,
        s,
        selected.map((d) => moment[d] as number),
      );
      // Sandwich: Var(β) = G⁻¹ (Aᵀ Σ A) G⁻¹ on the selected columns.
      const inverse = new Float64Array(s * s);
      const unit = new Float64Array(s);
      for (let x = 0; x < s; x++) {
        unit.fill(0);
        unit[x] = 1;
        inverse.set(choleskySolve(l, s, unit), x * s);
      }
      const meat = new Float64Array(s * s);
      for (let row = 0; row < rows; row++) {
        const w = sigma[row] as number;
        if (w === 0) continue;
        const base = row * count;
        for (let x = 0; x < s; x++) {
          const ax = a[base + (selected[x] as number)] as number;
          if (ax === 0) continue;
          for (let y = 0; y < s; y++)
            meat[x * s + y] = (meat[x * s + y] as number) + w * ax * (a[base + (selected[y] as number)] as number);
        }
      }
      for (let x = 0; x < s; x++) {
        const d = selected[x] as number;
        counts[d] = beta[x] as number;
        let v = 0;
        for (let y = 0; y < s; y++) {
          let inner = 0;
          for (let z = 0; z < s; z++) inner += (meat[y * s + z] as number) * (inverse[x * s + z] as number);
          v += (inverse[x * s + y] as number) * inner;
        }
        variances[d] = v;
      }
    }
    return { values: candidates, counts, variances, method: used };
  }

  return {
    get total() {
      return total;
    },
    ingest(report: ReportObject) {
      const bad = checkHeaderOf(report) ?? counts.add(report.r, report.b);
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
      if (candidates === undefined) {
        throw new DpError('INVALID_PARAMETER', 'RAPPOR decodes a list of candidate values: pass candidates', { parameter: 'candidates' });
      }
      return decode(candidates, 'auto');
    },
    decode,
  };
}
