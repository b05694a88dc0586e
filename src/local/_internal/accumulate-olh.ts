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
import { assertNever, DpError } from '../../core/errors.js';
import type { OlhParams } from '../protocols/local-hashing.js';
import { olhHash } from '../protocols/local-hashing.js';
import { type Accumulator, type CountEstimates, clampCount, domainCandidates, pureVariance } from './accumulator.js';
import { type AccumulatorSnapshot, addInto, readVector, requireNames } from './snapshot.js';
import type { RejectionReason, ReportObject } from './validate.js';

const TWO_32 = 4294967296;
/** Most work per report a streaming mode may take before raw storage wins. */
const MAX_WORK_PER_REPORT = 4096;
/** Largest table (cells: 2 MiB of byte counts, plus the float totals they are moved into): beyond it the increments miss the cache and enumeration wins. */
const TABLE_CELLS = 2 ** 21;
/** Reports over which table mode's whole-domain estimate is counted as amortized when choosing its split. */
const TABLE_REFERENCE_REPORTS = 2 ** 20;

/** How the OLH aggregator counts supports. */
export type OlhMode =
  | { readonly kind: 'table'; readonly lowBits: number; readonly highBits: number; readonly lowVectors: number; readonly work: number }
  | { readonly kind: 'enumerate'; readonly lowBits: number; readonly highBits: number; readonly work: number }
  | { readonly kind: 'raw' };

/** The cheapest mode for hash range g and r value bits (domain k ≤ 2^r). */
export function olhMode(g: number, r: number, k: number): OlhMode {
  // The table split with the least work per report when the whole-domain estimate (k·L cell
  // reads, k ≤ 2^r) is spread over TABLE_REFERENCE_REPORTS reports.
  let table: OlhMode | null = null;
  let tableCost = Number.POSITIVE_INFINITY;
  for (let lowBits = Math.min(r, 14); lowBits >= 0; lowBits--) {
    const lowVectors = g ** lowBits;
    const highBits = r - lowBits;
    if (lowVectors > 2 ** 14 || lowVectors * 2 ** lowBits > 2 ** 22) continue;
    if (2 ** highBits * lowVectors * g > TABLE_CELLS) continue;
    const cost = 2 ** highBits + (2 ** r * lowVectors) / TABLE_REFERENCE_REPORTS;
    if (cost < tableCost) {
      tableCost = cost;
      table = { kind: 'table', lowBits, highBits, lowVectors, work: 2 * 2 ** highBits };
    }
  }
  const lowBits = Math.floor(r / 2);
  const enumerate: OlhMode | null =
    g <= 2 ** 16 ? { kind: 'enumerate', lowBits, highBits: r - lowBits, work: 2 ** lowBits + 2 ** (r - lowBits) + k / g } : null;
  const best = [table, enumerate].filter((m): m is Exclude<OlhMode, { kind: 'raw' }> => m !== null && m.work <= MAX_WORK_PER_REPORT);
  best.sort((a, b) => a.work - b.work);
  return best[0] ?? { kind: 'raw' };
}

/** 2⁻³²: multiplying by it is exact (a power of two). */
const INV_TWO_32 = 1 / TWO_32;

/**
 * The coefficients a₀ … a_{r−1}, b of seed s into `out`: the same words and
 * the same ⌊word · g / 2³²⌋ as `olhCoefficients` (a test checks they agree
 * on random seeds), written out here so that the per-report loop does not
 * call across modules (V8 does not inline that call: it cost ~90 ns a report).
 */
export function expandSeed(seed: number, g: number, r: number, out: Int32Array): void {
  for (let i = 0; i <= r; i++) {
    let z = (seed + Math.imul(i + 1, 0x9e3779b9)) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out[i] = Math.floor(((z ^ (z >>> 16)) >>> 0) * g * INV_TWO_32);
  }
}

/**
 * out[t] = (start + sign · Σ_j a_{offset+j}·bit_j(t)) mod g for t < 2^bits, by
 * doubling; `start` in [0, g). Branch-free reduction: a data-dependent
 * `if (sum >= g)` is mispredicted half the time.
 */
function subsetSums(coefficients: Int32Array, offset: number, bits: number, g: number, start: number, sign: 1 | -1, out: Int32Array): void {
  out[0] = start;
  let size = 1;
  for (let j = 0; j < bits; j++) {
    const a = coefficients[offset + j] as number;
    // Adding a, or subtracting a (adding g − a), then subtracting g and adding it back when negative.
    const step = (sign === 1 ? a : g - a) - g;
    for (let t = 0; t < size; t++) {
      const sum = (out[t] as number) + step;
      out[t + size] = sum + (g & (sum >> 31));
    }
    size *= 2;
  }
}

/**
 * The header, payload and range checks of `headerChecker('olh', { eps, k, g }, ['s', 'y'])`
 * followed by `checkIndex(s, 2³²)` and `checkIndex(y, g)` — the same reasons in
 * the same order (a test compares them) — with named property reads, which V8
 * serves from inline caches; the generic checker's keyed reads cost about
 * 100 ns a report.
 */
export function olhReportChecker(eps: number, k: number, g: number): (report: ReportObject) => RejectionReason | null {
  return (report) => checkOlhReport(report, eps, k, g);
}

/** The checks of {@link olhReportChecker} (a plain function: one optimized copy for every aggregator). */
function checkOlhReport(report: ReportObject, eps: number, k: number, g: number): RejectionReason | null {
  const version = report.v;
  if (version !== 1) return version === undefined ? 'missing-field' : 'unsupported-version';
  const protocol = report.p;
  if (protocol !== 'olh') return protocol === undefined ? 'missing-field' : 'wrong-protocol';
  const e = report.eps;
  if (e === undefined) return 'missing-field';
  if (e !== eps) return 'wrong-parameters';
  const domain = report.k;
  if (domain === undefined) return 'missing-field';
  if (domain !== k) return 'wrong-parameters';
  const range = report.g;
  if (range === undefined) return 'missing-field';
  if (range !== g) return 'wrong-parameters';
  const seed = report.s;
  if (seed === undefined) return 'missing-field';
  const y = report.y;
  if (y === undefined) return 'missing-field';
  // Every enumerable key counts (inherited ones too): anything beyond the 7 fields is refused.
  let present = 0;
  for (const _ in report) present++;
  if (present !== 7) return 'unexpected-field';
  if (typeof seed !== 'number') return 'wrong-type';
  if (!(Number.isInteger(seed) && seed >= 0 && seed < TWO_32)) return 'out-of-range';
  if (typeof y !== 'number') return 'wrong-type';
  if (!(Number.isInteger(y) && y >= 0 && y < g)) return 'out-of-range';
  return null;
}

/** How one mode counts supports. */
interface SupportCounter {
  /** Adds the report (seed, y), both already checked. */
  add(seed: number, y: number): void;
  /** The support counts of all k values (streaming modes), or null (raw mode: see `support`). */
  allSupports(): Float64Array | null;
  /** The support count of one value (raw mode). */
  support(v: number): number;
}

/*
 * The counters and the accumulator are classes, not closures: every
 * aggregator makes new ones, and V8 specializes a closure's optimized code to
 * the first context it saw (later aggregators got slower, generic code that
 * re-read every captured variable from memory: up to 40% slower ingest).
 */

/**
 * Reports wait in a batch of this many (seed, y) before they are counted:
 * the counting loop then runs over typed arrays with the counter's fields in
 * locals, and the loop that validates reports touches little else between
 * two reads of (scattered) report objects.
 */
const BATCH = 256;

/** A streaming counter: reports are batched, then counted by `count`. */
abstract class BatchedCounter implements SupportCounter {
  private readonly batchSeeds = new Int32Array(BATCH);
  private readonly batchOutputs = new Int32Array(BATCH);
  private batched = 0;

  add(seed: number, y: number): void {
    const at = this.batched;
    this.batchSeeds[at] = seed | 0;
    this.batchOutputs[at] = y;
    this.batched = at + 1;
    if (at + 1 === BATCH) this.drain();
  }

  /** Counts the batched reports. */
  protected drain(): void {
    const count = this.batched;
    this.batched = 0;
    this.countBatch(this.batchSeeds, this.batchOutputs, count);
  }

  /**
   * Counts the first `count` reports of a batch (seeds as signed 32-bit
   * words: only their value mod 2³² matters). One call per batch: the
   * subclass reads its fields once, not once per report.
   */
  protected abstract countBatch(seeds: Int32Array, outputs: Int32Array, count: number): void;

  abstract allSupports(): Float64Array;

  support(v: number): number {
    return this.allSupports()[v] as number;
  }
}

/** Table mode. */
class TableCounter extends BatchedCounter {
  private readonly coefficients: Int32Array;
  private readonly highSums: Int32Array;
  private readonly highCount: number;
  private readonly blockCells: number;
  /** Counts in bytes: block `lowIndex` (highCount·g cells) gets 1 in highCount cells per report. */
  private readonly pending: Uint8Array;
  /** Reports in each block's pending counts (< 255: then they move to `table`). */
  private readonly pendingReports: Uint8Array;
  private readonly table: Float64Array;

  constructor(
    private readonly k: number,
    private readonly g: number,
    private readonly r: number,
    private readonly lowBits: number,
    private readonly lowVectors: number,
  ) {
    super();
    this.coefficients = new Int32Array(r + 1);
    this.highCount = 2 ** (r - lowBits);
    this.highSums = new Int32Array(this.highCount);
    this.blockCells = this.highCount * g;
    this.pending = new Uint8Array(lowVectors * this.blockCells);
    this.pendingReports = new Uint8Array(lowVectors);
    this.table = new Float64Array(lowVectors * this.blockCells);
  }

  protected countBatch(seeds: Int32Array, outputs: Int32Array, count: number): void {
    const { coefficients, highSums, pending, pendingReports, g, r, lowBits, highCount, blockCells } = this;
    for (let report = 0; report < count; report++) {
      expandSeed(seeds[report] as number, g, r, coefficients);
      let lowIndex = 0;
      for (let i = lowBits - 1; i >= 0; i--) lowIndex = lowIndex * g + (coefficients[i] as number);
      const residue = (outputs[report] as number) - (coefficients[r] as number);
      subsetSums(coefficients, lowBits, r - lowBits, g, residue + (g & (residue >> 31)), -1, highSums);
      // Layout [low coefficients][v_hi][residue]: one report touches one contiguous block.
      for (let high = 0, cell = lowIndex * blockCells; high < highCount; high++, cell += g) {
        const at = cell + (highSums[high] as number);
        pending[at] = (pending[at] as number) + 1;
      }
      const reports = (pendingReports[lowIndex] as number) + 1;
      pendingReports[lowIndex] = reports;
      if (reports === 255) this.flush(lowIndex);
    }
  }

  private flush(block: number): void {
    const { pending, table } = this;
    const first = block * this.blockCells;
    const last = first + this.blockCells;
    for (let cell = first; cell < last; cell++) {
      table[cell] = (table[cell] as number) + (pending[cell] as number);
      pending[cell] = 0;
    }
    this.pendingReports[block] = 0;
  }

  allSupports(): Float64Array {
    this.drain();
    const { k, g, lowBits, lowVectors, highCount, table, pending } = this;
    const lowCount = 2 ** lowBits;
    // dot[idx·lowCount + v_lo] = Σ a_i(idx)·bit_i(v_lo) mod g.
    const dot = new Uint16Array(lowVectors * lowCount);
    const digits = new Int32Array(Math.max(1, lowBits));
    const sums = new Int32Array(lowCount);
    for (let idx = 0; idx < lowVectors; idx++) {
      let rest = idx;
      for (let i = 0; i < lowBits; i++) {
        digits[i] = rest % g;
        rest = Math.floor(rest / g);
      }
      subsetSums(digits, 0, lowBits, g, 0, 1, sums);
      dot.set(sums, idx * lowCount);
    }
    const out = new Float64Array(k);
    for (let idx = 0; idx < lowVectors; idx++) {
      const dotBase = idx * lowCount;
      for (let high = 0; high < highCount; high++) {
        const first = high * lowCount;
        if (first >= k) break;
        const last = Math.min(lowCount, k - first);
        const cellBase = (idx * highCount + high) * g;
        for (let low = 0; low < last; low++) {
          const cell = cellBase + (dot[dotBase + low] as number);
          out[first + low] = (out[first + low] as number) + (table[cell] as number) + (pending[cell] as number);
        }
      }
    }
    return out;
  }
}

/**
 * Enumerate mode with bit masks (2^lowBits ≤ 32): masks[s] has bit t set
 * when the low sum of t is s; the values supported in row v_hi are then the
 * bits of masks[highSums[v_hi]]. Mostly no bit or one is set (k/g supports
 * over highCount rows), so the first bit is counted without a branch — an
 * empty mask counts into the row's spare cell — and a loop runs only for the
 * rest: data-dependent loop exits, mispredicted, were most of the cost.
 */
class MaskCounter extends BatchedCounter {
  private readonly coefficients: Int32Array;
  private readonly lowSums: Int32Array;
  private readonly highSums: Int32Array;
  private readonly masks: Int32Array;
  private readonly lowCount: number;
  private readonly highCount: number;
  /** Counts per value: rows of 1 + lowCount cells, the first one spare. */
  private readonly direct: Float64Array;

  constructor(
    private readonly k: number,
    private readonly g: number,
    private readonly r: number,
    private readonly lowBits: number,
  ) {
    super();
    this.coefficients = new Int32Array(r + 1);
    this.lowCount = 2 ** lowBits;
    this.highCount = 2 ** (r - lowBits);
    this.lowSums = new Int32Array(this.lowCount);
    this.highSums = new Int32Array(this.highCount);
    this.masks = new Int32Array(g);
    this.direct = new Float64Array(this.highCount * (this.lowCount + 1));
  }

  protected countBatch(seeds: Int32Array, outputs: Int32Array, count: number): void {
    const { coefficients, lowSums, highSums, masks, direct, g, r, lowBits, lowCount, highCount } = this;
    const stride = lowCount + 1;
    for (let report = 0; report < count; report++) {
      expandSeed(seeds[report] as number, g, r, coefficients);
      subsetSums(coefficients, 0, lowBits, g, 0, 1, lowSums);
      const residue = (outputs[report] as number) - (coefficients[r] as number);
      subsetSums(coefficients, lowBits, r - lowBits, g, residue + (g & (residue >> 31)), -1, highSums);
      for (let low = 0; low < lowCount; low++) {
        const s = lowSums[low] as number;
        masks[s] = (masks[s] as number) | (1 << low);
      }
      for (let high = 0, row = 1; high < highCount; high++, row += stride) {
        const mask = masks[highSums[high] as number] as number;
        // Bit t counts into row + t (clz32 of bit t is 31 − t); no bit into row − 1, the spare cell.
        const first = row + 31 - Math.clz32(mask & -mask);
        direct[first] = (direct[first] as number) + 1;
        for (let rest = mask & (mask - 1); rest !== 0; rest &= rest - 1) {
          const at = row + 31 - Math.clz32(rest & -rest);
          direct[at] = (direct[at] as number) + 1;
        }
      }
      for (let low = 0; low < lowCount; low++) masks[lowSums[low] as number] = 0;
    }
  }

  allSupports(): Float64Array {
    this.drain();
    return directSupports(this.direct, this.k, this.lowCount);
  }
}

/** The counts of values 0…k−1 from rows of 1 + lowCount cells (the first spare). */
function directSupports(direct: Float64Array, k: number, lowCount: number): Float64Array {
  const out = new Float64Array(k);
  for (let v = 0; v < k; v++) {
    const high = Math.floor(v / lowCount);
    out[v] = direct[high * (lowCount + 1) + 1 + (v - high * lowCount)] as number;
  }
  return out;
}

/** Enumerate mode with per-residue lists of low parts (for 2^lowBits > 32). */
class ListCounter extends BatchedCounter {
  private readonly coefficients: Int32Array;
  private readonly lowSums: Int32Array;
  private readonly highSums: Int32Array;
  private readonly bucketHead: Int32Array;
  private readonly nextInBucket: Int32Array;
  private readonly lowCount: number;
  private readonly highCount: number;
  private readonly direct: Float64Array;

  constructor(
    private readonly k: number,
    private readonly g: number,
    private readonly r: number,
    private readonly lowBits: number,
  ) {
    super();
    this.coefficients = new Int32Array(r + 1);
    this.lowCount = 2 ** lowBits;
    this.highCount = 2 ** (r - lowBits);
    this.lowSums = new Int32Array(this.lowCount);
    this.highSums = new Int32Array(this.highCount);
    this.bucketHead = new Int32Array(g).fill(-1);
    this.nextInBucket = new Int32Array(this.lowCount);
    this.direct = new Float64Array(this.highCount * (this.lowCount + 1));
  }

  protected countBatch(seeds: Int32Array, outputs: Int32Array, count: number): void {
    const { coefficients, lowSums, highSums, bucketHead, nextInBucket, direct, g, r, lowBits, lowCount, highCount } = this;
    const stride = lowCount + 1;
    for (let report = 0; report < count; report++) {
      expandSeed(seeds[report] as number, g, r, coefficients);
      subsetSums(coefficients, 0, lowBits, g, 0, 1, lowSums);
      const residue = (outputs[report] as number) - (coefficients[r] as number);
      subsetSums(coefficients, lowBits, r - lowBits, g, residue + (g & (residue >> 31)), -1, highSums);
      for (let low = 0; low < lowCount; low++) {
        const s = lowSums[low] as number;
        nextInBucket[low] = bucketHead[s] as number;
        bucketHead[s] = low;
      }
      for (let high = 0, row = 1; high < highCount; high++, row += stride) {
        for (let low = bucketHead[highSums[high] as number] as number; low >= 0; low = nextInBucket[low] as number) {
          direct[row + low] = (direct[row + low] as number) + 1;
        }
      }
      // Empty the buckets again (cheaper than clearing all g of them).
      for (let low = 0; low < lowCount; low++) bucketHead[lowSums[low] as number] = -1;
    }
  }

  allSupports(): Float64Array {
    this.drain();
    return directSupports(this.direct, this.k, this.lowCount);
  }
}

/** Raw mode: the (seed, y) pairs, one hash per (report, candidate) when asked. */
class RawCounter implements SupportCounter {
  private seeds = new Uint32Array(1024);
  private outputs = new Uint32Array(1024);
  private count = 0;

  constructor(
    private readonly g: number,
    private readonly r: number,
  ) {}

  add(seed: number, y: number): void {
    if (this.count === this.seeds.length) {
      const grownSeeds = new Uint32Array(this.seeds.length * 2);
      grownSeeds.set(this.seeds);
      this.seeds = grownSeeds;
      const grownOutputs = new Uint32Array(this.outputs.length * 2);
      grownOutputs.set(this.outputs);
      this.outputs = grownOutputs;
    }
    this.seeds[this.count] = seed;
    this.outputs[this.count] = y;
    this.count++;
  }

  allSupports(): null {
    return null;
  }

  /** The (seed, y) pairs so far, oldest first. */
  pairs(): { seeds: number[]; outputs: number[] } {
    return { seeds: Array.from(this.seeds.subarray(0, this.count)), outputs: Array.from(this.outputs.subarray(0, this.count)) };
  }

  support(v: number): number {
    const { seeds, outputs, g, r } = this;
    let count = 0;
    for (let i = 0; i < this.count; i++) if (olhHash(seeds[i] as number, v, g, r) === outputs[i]) count++;
    return count;
  }
}

function counterFor(mode: OlhMode, k: number, g: number, r: number): SupportCounter {
  switch (mode.kind) {
    case 'table':
      return new TableCounter(k, g, r, mode.lowBits, mode.lowVectors);
    case 'enumerate':
      return mode.lowBits <= 5 ? new MaskCounter(k, g, r, mode.lowBits) : new ListCounter(k, g, r, mode.lowBits);
    case 'raw':
      return new RawCounter(g, r);
    default:
      return assertNever(mode, 'mode');
  }
}

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
