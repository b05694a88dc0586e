/**
 * The support counters of optimized-local-hashing aggregation, one per mode
 * (`table`, `enumerate` with masks or lists, `raw`): each counts, exactly,
 * how many reports support each value (see `accumulate-olh.ts` for the
 * meet-in-the-middle counts they implement).
 * @module
 */
import { assertNever } from '../../core/errors.js';
import { olhHashUnchecked } from '../protocols/local-hashing.js';
import { expandSeed, type OlhMode, subsetSums } from './olh-mode.js';

/** How one mode counts supports. */
export interface SupportCounter {
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
 * Enumerate mode: per report, the subset sums of the low and the high
 * coefficient bits (meet in the middle, `accumulate-olh.ts`); value v = (v_hi,
 * t) is supported when lowSums[t] = highSums[v_hi]. The two subclasses differ
 * only in how they find, for each row v_hi, the t with that low sum, and count
 * each into `direct` (rows of 1 + lowCount cells, the first one spare).
 */
abstract class EnumerateCounter extends BatchedCounter {
  protected readonly coefficients: Int32Array;
  protected readonly lowSums: Int32Array;
  protected readonly highSums: Int32Array;
  protected readonly lowCount: number;
  protected readonly highCount: number;
  /** Counts per value: rows of 1 + lowCount cells, the first one spare. */
  protected readonly direct: Float64Array;

  constructor(
    private readonly k: number,
    protected readonly g: number,
    private readonly r: number,
    private readonly lowBits: number,
  ) {
    super();
    this.coefficients = new Int32Array(r + 1);
    this.lowCount = 2 ** lowBits;
    this.highCount = 2 ** (r - lowBits);
    this.lowSums = new Int32Array(this.lowCount);
    this.highSums = new Int32Array(this.highCount);
    this.direct = new Float64Array(this.highCount * (this.lowCount + 1));
  }

  protected countBatch(seeds: Int32Array, outputs: Int32Array, count: number): void {
    const { coefficients, lowSums, highSums, g, r, lowBits } = this;
    for (let report = 0; report < count; report++) {
      expandSeed(seeds[report] as number, g, r, coefficients);
      subsetSums(coefficients, 0, lowBits, g, 0, 1, lowSums);
      const residue = (outputs[report] as number) - (coefficients[r] as number);
      subsetSums(coefficients, lowBits, r - lowBits, g, residue + (g & (residue >> 31)), -1, highSums);
      this.countMatches();
    }
  }

  /** Adds 1 to `direct[1 + v_hi·(lowCount + 1) + t]` for every t and v_hi with lowSums[t] = highSums[v_hi]. */
  protected abstract countMatches(): void;

  allSupports(): Float64Array {
    this.drain();
    const { direct, k, lowCount } = this;
    const out = new Float64Array(k);
    for (let v = 0; v < k; v++) {
      const high = Math.floor(v / lowCount);
      out[v] = direct[high * (lowCount + 1) + 1 + (v - high * lowCount)] as number;
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
class MaskCounter extends EnumerateCounter {
  private readonly masks = new Int32Array(this.g);

  protected countMatches(): void {
    const { lowSums, highSums, masks, direct, lowCount, highCount } = this;
    const stride = lowCount + 1;
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

/** Enumerate mode with per-residue lists of low parts (for 2^lowBits > 32). */
class ListCounter extends EnumerateCounter {
  private readonly bucketHead = new Int32Array(this.g).fill(-1);
  private readonly nextInBucket = new Int32Array(this.lowCount);

  protected countMatches(): void {
    const { lowSums, highSums, bucketHead, nextInBucket, direct, lowCount, highCount } = this;
    const stride = lowCount + 1;
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

/** Raw mode: the (seed, y) pairs, one hash per (report, candidate) when asked. */
export class RawCounter implements SupportCounter {
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
    for (let i = 0; i < this.count; i++) if (olhHashUnchecked(seeds[i] as number, v, g, r) === outputs[i]) count++;
    return count;
  }
}

/** The counter of a mode. */
export function counterFor(mode: OlhMode, k: number, g: number, r: number): SupportCounter {
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
