/**
 * Aggregation of optimized local hashing.
 *
 * Counting supports naively costs one hash per (report, value): 10⁹ hashes
 * for 10⁶ reports over 1024 values. The linear hash family of
 * `protocols/local-hashing.ts`, H(v) = (b + Σ_{i ∈ bits(v)} a_i) mod g, allows
 * two faster exact counts, both meet-in-the-middle on v = (v_hi, v_lo):
 * a report supports v iff
 *
 *     Σ_{i<r_lo} a_i·bit_i(v_lo) ≡ y − b − Σ_{j<r_hi} a_{r_lo+j}·bit_j(v_hi)   (mod g).
 *
 * - `table` (small g): the left side depends on the report only through its
 *   low coefficients (one of L = g^{r_lo} vectors). Ingest increments, for
 *   each of the 2^{r_hi} values of v_hi, one cell (low coefficients, v_hi,
 *   residue); estimating the whole domain reads k·L cells once (the split
 *   minimizes ingest work plus that read spread over 2²⁰ reports). The cells
 *   are bytes, moved into a float table every 255 reports of a block: a
 *   quarter of the cache lines per report. For k = 1024 and ε = 2 (g = 8):
 *   64 increments per report in a 2 MiB table.
 * - `enumerate` (larger g): group the 2^{r_lo} low sums by residue (a bit
 *   mask per residue when 2^{r_lo} ≤ 32, else lists), then for each of the
 *   2^{r_hi} high sums take the group that matches — exactly the ≈ k/g
 *   supported values — and count them directly. Cost per report
 *   2^{r_lo} + 2^{r_hi} + k/g (≈ 82 for k = 1024, ε = 4).
 * - `raw` (domains too large for either): keep the (seed, y) pairs and count
 *   supports per candidate value when asked (n hashes per candidate).
 * The streaming modes reduce mod g without branches (a compare-and-subtract on a random
 * residue is mispredicted half the time; at ε = 2 those mispredictions were
 * most of the ingest time).
 * All three give identical counts; the mode is chosen from k and g only.
 * @module
 */
import { DpError } from '../../core/errors.js';
import type { OlhParams } from '../protocols/local-hashing.js';
import { type Accumulator, type CountEstimates, clampCount, domainCandidates, pureVariance } from './accumulator.js';
import { counterFor, RawCounter, type SupportCounter } from './olh-counters.js';
import { checkOlhReport, type OlhMode, olhMode, TWO_32 } from './olh-mode.js';
import { type AccumulatorSnapshot, addInto, readVector, requireNames } from './snapshot.js';
import type { RejectionReason, ReportObject } from './validate.js';

export { expandSeed, type OlhMode, olhMode, olhReportChecker } from './olh-mode.js';

/** OLH aggregation state (`forcedMode` is for tests and benchmarks). */
export function olhAccumulator(params: OlhParams, forcedMode?: OlhMode): Accumulator {
  return new OlhAccumulator(params, forcedMode ?? olhMode(params.hashRange, params.valueBits, params.domainSize));
}

/** A class rather than closures, for the reason given above the counters. */
class OlhAccumulator implements Accumulator {
  private readonly counter: SupportCounter;
  private accepted = 0;
  private supports: Float64Array | null = null;
  /** Supports added from snapshots (streaming modes; raw mode re-adds the pairs instead). */
  private imported: Float64Array | null = null;

  constructor(
    private readonly params: OlhParams,
    private readonly mode: OlhMode,
  ) {
    this.counter = counterFor(mode, params.domainSize, params.hashRange, params.valueBits);
  }

  get total(): number {
    return this.accepted;
  }

  ingest(report: ReportObject): RejectionReason | null {
    const params = this.params;
    const bad = checkOlhReport(report, params.requestedEpsilon, params.domainSize, params.hashRange);
    if (bad) return bad;
    this.counter.add(report.s as number, report.y as number);
    this.accepted++;
    this.supports = null;
    return null;
  }

  estimate(candidates: readonly (string | number)[] | undefined): CountEstimates {
    const { params, counter } = this;
    const k = params.domainSize;
    if (candidates === undefined && this.mode.kind === 'raw' && k > 2 ** 16) {
      throw new DpError(
        'INVALID_PARAMETER',
        'for OLH over a domain this large, estimate a list of candidates (each costs one hash per report)',
        {
          parameter: 'candidates',
        },
      );
    }
    const values = domainCandidates(candidates, k);
    const supports = this.allSupports();
    const counts = new Float64Array(values.length);
    const variances = new Float64Array(values.length);
    const n = this.accepted;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      const support = supports ? (supports[v] as number) : counter.support(v);
      const c = (support - n * params.q) / (params.p - params.q);
      counts[i] = c;
      variances[i] = pureVariance(n, clampCount(c, n), params.p, params.q);
    }
    return { values, counts, variances };
  }

  /** Whole-domain supports (streaming modes, with the imported ones added), or null in raw mode. */
  private allSupports(): Float64Array | null {
    if (this.supports === null) {
      const own = this.counter.allSupports();
      if (own !== null && this.imported !== null) {
        const total = Float64Array.from(own);
        for (let v = 0; v < total.length; v++) total[v] = (total[v] as number) + (this.imported[v] as number);
        this.supports = total;
      } else {
        this.supports = own;
      }
    }
    return this.supports;
  }

  snapshot(): AccumulatorSnapshot {
    if (this.counter instanceof RawCounter) {
      const { seeds, outputs } = this.counter.pairs();
      return { total: this.accepted, cells: { seeds, outputs } };
    }
    return { total: this.accepted, cells: { supports: Array.from(this.allSupports() ?? []) } };
  }

  absorb(snapshot: AccumulatorSnapshot): void {
    const { domainSize: k, hashRange: g } = this.params;
    if (this.counter instanceof RawCounter) {
      requireNames(snapshot, ['outputs', 'seeds']);
      // Each pair is one report that the report checks would have accepted: a 32-bit seed and y in [0, g).
      const seeds = readVector(snapshot, 'seeds', snapshot.total, 0, TWO_32 - 1);
      const outputs = readVector(snapshot, 'outputs', snapshot.total, 0, g - 1);
      for (let i = 0; i < seeds.length; i++) this.counter.add(seeds[i] as number, outputs[i] as number);
    } else {
      requireNames(snapshot, ['supports']);
      // A report supports a value at most once: each value's estimate moves no more than `total` reports could move it.
      const supports = readVector(snapshot, 'supports', k, 0, snapshot.total);
      this.imported ??= new Float64Array(k);
      addInto(this.imported, supports);
    }
    this.accepted += snapshot.total;
    this.supports = null;
  }
}
