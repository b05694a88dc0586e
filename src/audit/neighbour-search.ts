/**
 * The default search over neighbouring inputs: a short, documented list of
 * candidate pairs built from a measurement's input domain and metric. It
 * favours edge cases, where implementation bugs live: the empty dataset,
 * values at the declared bounds, extreme magnitudes, ±sensitivity shifts and
 * mixed-sign shifts of vectors.
 * @module
 */

import type { Domain, Metric } from '../core/domain.js';
import { DpError } from '../core/errors.js';
import { edgeKind } from '../numeric/edge.js';

/** A pair of inputs at distance at most dIn, with a label saying why it is a candidate. */
export interface NeighbourPair<I> {
  readonly inputs: readonly [I, I];
  readonly label: string;
}

/** The largest number of pairs the default search returns. */
export const MAX_DEFAULT_PAIRS = 8;

/** Length of vectors when the domain does not fix it. */
const DEFAULT_VECTOR_SIZE = 4;

/** Extreme magnitudes tried for unbounded numeric elements of datasets. */
const EXTREMES = [1e3, -1e3, 1e9, -1e9];

function scalarValues(d: Domain): unknown[] {
  switch (d.kind) {
    case 'float':
    case 'int': {
      const vals: number[] = [];
      const inside = (x: number) => (d.lower === undefined || x >= d.lower) && (d.upper === undefined || x <= d.upper);
      if (d.upper !== undefined) vals.push(d.upper);
      if (d.lower !== undefined) vals.push(d.lower);
      if (inside(0)) vals.push(0);
      if (d.lower !== undefined && d.upper !== undefined) {
        const mid = d.kind === 'int' ? Math.floor((d.lower + d.upper) / 2) : (d.lower + d.upper) / 2;
        vals.push(mid);
      } else {
        for (const x of [1, -1, ...EXTREMES]) if (inside(x)) vals.push(x);
      }
      return [...new Set(vals)];
    }
    case 'bigint':
      return [0n, 1n, -1n, 10n ** 9n, -(10n ** 9n)];
    case 'bool':
      return [true, false];
    case 'category':
      return [...new Set([0, d.size - 1, Math.floor(d.size / 2)])];
    default:
      return [];
  }
}

function shiftScalar(d: Domain, x: number, by: number): number | undefined {
  const y = x + by;
  if (d.kind !== 'float' && d.kind !== 'int') return undefined;
  if (d.lower !== undefined && y < d.lower) return undefined;
  if (d.upper !== undefined && y > d.upper) return undefined;
  return y;
}

function scalarPairs(d: Domain, metric: Metric, dIn: number): Array<NeighbourPair<unknown>> {
  const pairs: Array<NeighbourPair<unknown>> = [];
  if (metric === 'discrete-distance' || d.kind === 'bool' || d.kind === 'category') {
    if (d.kind === 'bool') return [{ inputs: [false, true], label: 'false vs true' }];
    if (d.kind === 'category') {
      const out: Array<NeighbourPair<unknown>> = [];
      for (let i = 0; i < Math.min(d.size, 4); i++)
        for (let j = i + 1; j < Math.min(d.size, 4); j++) out.push({ inputs: [i, j], label: `category ${i} vs ${j}` });
      return out;
    }
  }
  if (d.kind === 'bigint') {
    const step = BigInt(Math.max(1, Math.floor(dIn)));
    return [
      { inputs: [0n, step], label: '0 vs +sensitivity' },
      { inputs: [10n ** 9n, 10n ** 9n + step], label: 'large value vs +sensitivity' },
    ];
  }
  if (d.kind !== 'float' && d.kind !== 'int') return pairs;
  const step = d.kind === 'int' ? Math.max(1, Math.floor(dIn)) : dIn;
  const bases: Array<[number, number, string]> = [];
  if (shiftScalar(d, 0, step) !== undefined) bases.push([0, step, '0 vs +sensitivity']);
  if (d.lower !== undefined) bases.push([d.lower, step, 'lower bound vs +sensitivity']);
  if (d.upper !== undefined) bases.push([d.upper, -step, 'upper bound vs −sensitivity']);
  if (d.lower === undefined && d.upper === undefined) bases.push([2 ** 30, step, 'large value vs +sensitivity']);
  for (const [x, by, label] of bases) {
    const y = shiftScalar(d, x, by);
    if (y !== undefined) pairs.push({ inputs: [x, y], label });
  }
  return pairs;
}

function vectorPairs(element: Domain, size: number | undefined, metric: Metric, dIn: number): Array<NeighbourPair<unknown>> {
  const values = scalarValues(element);
  if (values.length === 0) return [];
  const first = values[0];
  switch (metric) {
    case 'symmetric-distance':
    case 'insert-delete-distance': {
      const out: Array<NeighbourPair<unknown>> = [];
      for (const v of values) out.push({ inputs: [[], [v]], label: `empty vs one row at ${String(v)}` });
      const base = values.slice(0, 3);
      const last = values[values.length - 1];
      out.push({ inputs: [base, [...base, last]], label: `${base.length} rows vs one more at ${String(last)}` });
      return out;
    }
    case 'change-one-distance': {
      const n = size ?? DEFAULT_VECTOR_SIZE;
      const out: Array<NeighbourPair<unknown>> = [];
      for (const v of values.slice(1)) {
        const x = new Array(n).fill(first);
        const y = [...x];
        y[0] = v;
        out.push({ inputs: [x, y], label: `all ${String(first)} vs one row changed to ${String(v)}` });
      }
      return out;
    }
    case 'l1-distance':
    case 'l2-distance':
    case 'linf-distance':
    case 'absolute-distance': {
      if (element.kind !== 'float' && element.kind !== 'int') return [];
      const n = size ?? DEFAULT_VECTOR_SIZE;
      const step = element.kind === 'int' ? Math.max(1, Math.floor(dIn)) : dIn;
      const inside = (x: number) =>
        (element.lower === undefined || x >= element.lower) && (element.upper === undefined || x <= element.upper);
      const base = inside(0) ? 0 : (element.lower ?? element.upper ?? 0);
      const sign = inside(base + step) ? 1 : -1;
      const zeros = new Array<number>(n).fill(base);
      const out: Array<NeighbourPair<unknown>> = [];
      const unit = [...zeros];
      unit[0] = base + sign * step;
      out.push({ inputs: [zeros, unit], label: 'one coordinate shifted by the sensitivity' });
      if (metric === 'linf-distance') {
        out.push({ inputs: [zeros, zeros.map((v) => v + sign * step)], label: 'every coordinate shifted by the sensitivity' });
        if (n > 1) {
          const mixed = zeros.map((v, i) => (i === 0 ? v + sign * step : inside(v - sign * step) ? v - sign * step : v));
          out.push({ inputs: [zeros, mixed], label: 'first coordinate up, the others down' });
        }
      } else if (metric === 'l2-distance' && n > 1) {
        const s = step / Math.sqrt(n);
        out.push({ inputs: [zeros, zeros.map((v) => v + sign * s)], label: 'the sensitivity spread over every coordinate' });
      }
      return out;
    }
    default:
      return [];
  }
}

/**
 * Guesses for an `any` domain (the auditor drops the pairs the mechanism refuses):
 * datasets of numbers under add/remove metrics, numbers otherwise.
 */
function genericPairs(metric: Metric, dIn: number): Array<NeighbourPair<unknown>> {
  switch (metric) {
    case 'symmetric-distance':
    case 'insert-delete-distance':
    case 'change-one-distance':
      return vectorPairs(floatDomainUnbounded, undefined, metric, dIn);
    default:
      return [
        ...scalarPairs(floatDomainUnbounded, 'absolute-distance', dIn),
        ...vectorPairs(floatDomainUnbounded, undefined, 'linf-distance', dIn),
      ];
  }
}
const floatDomainUnbounded: Domain = { kind: 'float' };

/**
 * Candidate neighbouring pairs for a measurement's input space at distance
 * `dIn`, at most {@link MAX_DEFAULT_PAIRS}:
 * - numbers (absolute distance): (0, Δ), (lower, lower + Δ), (upper − Δ, upper), (2³⁰, 2³⁰ + Δ) when unbounded;
 * - bigints: (0, Δ), (10⁹, 10⁹ + Δ); booleans: (false, true); categories: pairs among the first four;
 * - datasets (symmetric / insert-delete distance): the empty dataset vs one row at each edge value
 *   (bounds, 0, midpoint; ±1, ±10³, ±10⁹ when unbounded), and a small dataset vs the same plus one extreme row;
 * - fixed-size datasets (change-one): all rows at one edge value vs one row changed to another;
 * - vectors (ℓ1/ℓ2/ℓ∞): zero vs one coordinate shifted by Δ; for ℓ∞ also every coordinate shifted
 *   and a mixed-sign shift; for ℓ2 the shift spread evenly;
 * - an `any` domain: datasets of numbers under add/remove/change metrics, else numbers and vectors of numbers.
 * `auditPrivacy` drops the pairs on which the mechanism throws.
 * @param inputDomain - the measurement's input domain.
 * @param inputMetric - the measurement's input metric.
 * @param dIn - the neighbouring distance (1 for one person).
 * @returns the pairs, each with a label.
 * @throws DpError INVALID_PARAMETER when the domain gives nothing to search (e.g. an `any` domain): pass pairs explicitly.
 * @example
 * neighbourCandidates(floatDomain(), 'absolute-distance', 1); // [[0, 1], [2**30, 2**30 + 1]]
 */
export function neighbourCandidates(inputDomain: Domain, inputMetric: Metric, dIn = 1): Array<NeighbourPair<unknown>> {
  edgeKind(inputDomain, 'inputDomain');
  const pairs =
    inputDomain.kind === 'any'
      ? genericPairs(inputMetric, dIn)
      : inputDomain.kind === 'vector'
        ? vectorPairs(inputDomain.element, inputDomain.size, inputMetric, dIn)
        : scalarPairs(inputDomain, inputMetric, dIn);
  if (pairs.length === 0) {
    throw new DpError(
      'INVALID_PARAMETER',
      `no default neighbours for a ${inputDomain.kind} domain under ${inputMetric}: pass pairs or inputs`,
      {
        parameter: 'pairs',
      },
    );
  }
  return pairs.slice(0, MAX_DEFAULT_PAIRS);
}
