/**
 * Aggregation of the protocols whose supports can be counted directly:
 * randomized response (binary and k-ary), unary encodings and Hadamard
 * response. Each estimate is the pure-protocol estimator of Wang et al.
 * (2017), ĉ(v) = (#reports supporting v − n q*)/(p* − q*).
 * @module
 */
import type { HrParams } from '../protocols/hadamard-response.js';
import type { GrrParams } from '../protocols/randomized-response.js';
import type { UnaryParams } from '../protocols/unary-encoding.js';
import { type Accumulator, type CountEstimates, clampCount, domainCandidates, pureVariance } from './accumulator.js';
import { type AccumulatorSnapshot, addInto, readVector, requireNames, requireSum } from './snapshot.js';
import { checkIndex, headerChecker, plausibleOnes, type ReportObject, readBits } from './validate.js';
import { walshHadamard } from './walsh-hadamard.js';

function pureEstimates(values: number[], supports: (v: number) => number, n: number, p: number, q: number): CountEstimates {
  const counts = new Float64Array(values.length);
  const variances = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = (supports(values[i] as number) - n * q) / (p - q);
    counts[i] = c;
    variances[i] = pureVariance(n, clampCount(c, n), p, q);
  }
  return { values, counts, variances };
}

/** Randomized response (binary `rr`, or k-ary `grr`). */
export function grrAccumulator(params: GrrParams): Accumulator {
  const k = params.domainSize;
  const histogram = new Float64Array(k);
  const header: Record<string, number> = params.protocol === 'rr' ? { eps: params.requestedEpsilon } : { eps: params.requestedEpsilon, k };
  const checkHeaderOf = headerChecker(params.protocol, header, ['y']);
  let total = 0;
  return {
    get total() {
      return total;
    },
    ingest(report: ReportObject) {
      const bad = checkHeaderOf(report) ?? checkIndex(report.y, k);
      if (bad) return bad;
      histogram[report.y as number] = (histogram[report.y as number] as number) + 1;
      total++;
      return null;
    },
    estimate(candidates) {
      return pureEstimates(domainCandidates(candidates, k), (v) => histogram[v] as number, total, params.p, params.q);
    },
    snapshot: () => ({ total, cells: { histogram: Array.from(histogram) } }),
    absorb(snapshot: AccumulatorSnapshot) {
      const added = readHistogram(snapshot, k);
      addInto(histogram, added);
      total += snapshot.total;
    },
  };
}

/** A histogram snapshot: one cell per report, so it sums to the total. */
function readHistogram(snapshot: AccumulatorSnapshot, length: number): readonly number[] {
  requireNames(snapshot, ['histogram']);
  const histogram = readVector(snapshot, 'histogram', length, 0, snapshot.total);
  requireSum(histogram, snapshot.total, 'histogram');
  return histogram;
}

/** Optimized or symmetric unary encoding. */
export function unaryAccumulator(params: UnaryParams): Accumulator {
  const k = params.domainSize;
  const ones = new Float64Array(k);
  const scratch = new Uint8Array(k);
  const header = { eps: params.requestedEpsilon, k };
  const checkHeaderOf = headerChecker(params.protocol, header, ['b']);
  const mean = (k - 1) * params.q + params.p;
  const bounds = plausibleOnes(k, mean, mean);
  let total = 0;
  return {
    get total() {
      return total;
    },
    ingest(report: ReportObject) {
      const bad = checkHeaderOf(report) ?? readBits(report.b, k, scratch, bounds);
      if (bad) return bad;
      for (let i = 0; i < k; i++) ones[i] = (ones[i] as number) + (scratch[i] as number);
      total++;
      return null;
    },
    estimate(candidates) {
      return pureEstimates(domainCandidates(candidates, k), (v) => ones[v] as number, total, params.p, params.q);
    },
    snapshot: () => ({ total, cells: { ones: Array.from(ones) } }),
    absorb(snapshot: AccumulatorSnapshot) {
      requireNames(snapshot, ['ones']);
      // Each report sets each bit at most once.
      addInto(ones, readVector(snapshot, 'ones', k, 0, snapshot.total));
      total += snapshot.total;
    },
  };
}

/** Hadamard response: a histogram over [0, K), turned into supports by one Walsh–Hadamard transform. */
export function hrAccumulator(params: HrParams): Accumulator {
  const k = params.domainSize;
  const order = params.order;
  const histogram = new Float64Array(order);
  const header = { eps: params.requestedEpsilon, k };
  const checkHeaderOf = headerChecker('hr', header, ['y']);
  let total = 0;
  return {
    get total() {
      return total;
    },
    ingest(report: ReportObject) {
      const bad = checkHeaderOf(report) ?? checkIndex(report.y, order);
      if (bad) return bad;
      histogram[report.y as number] = (histogram[report.y as number] as number) + 1;
      total++;
      return null;
    },
    estimate(candidates) {
      // W[u] = Σ_y (−1)^{popcount(u&y)} count[y]; reports in C_v number (n + W[v+1])/2.
      const transformed = Float64Array.from(histogram);
      walshHadamard(transformed);
      const n = total;
      return pureEstimates(domainCandidates(candidates, k), (v) => (n + (transformed[v + 1] as number)) / 2, n, params.p, params.q);
    },
    snapshot: () => ({ total, cells: { histogram: Array.from(histogram) } }),
    absorb(snapshot: AccumulatorSnapshot) {
      addInto(histogram, readHistogram(snapshot, order));
      total += snapshot.total;
    },
  };
}
