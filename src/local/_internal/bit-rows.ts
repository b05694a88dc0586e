/**
 * Rows of bit counts: the sufficient statistic of every protocol whose report
 * is a row index j and a vector of m bits — RAPPOR (row = cohort, Erlingsson
 * et al. 2014) and count-mean-sketch (row = hash function, Apple 2017). Per
 * row j it keeps how many reports chose j, and per column how many of those
 * set the bit. One home for the three things both protocols did alike: adding
 * a checked report, copying the counts out, and adding a snapshot after the
 * checks of snapshot.ts (the rows sum to `total`; a cell never exceeds the
 * reports of its row), so a forged snapshot shifts counts no more than
 * `total` forged reports could.
 * @module
 */
import { type AccumulatorSnapshot, addInto, readVector, requireNames, requireRowBounds, requireSum } from './snapshot.js';
import { checkIndex, type RejectionReason, readBits } from './validate.js';

/** The names of the two vectors in a snapshot: the bit counts and the reports per row. */
export interface BitRowNames {
  readonly ones: string;
  readonly rows: string;
}

/** Bit counts per row (see the module header). */
export class BitRows {
  /** `ones[j·width + i]`: reports of row j with bit i set. */
  readonly ones: Float64Array;
  /** `perRow[j]`: reports of row j. */
  readonly perRow: Float64Array;
  private readonly scratch: Uint8Array;

  /**
   * @param rows - the number of rows (cohorts, hash functions).
   * @param width - bits per report.
   * @param names - the snapshot's vector names.
   * @param plausible - the range of a report's number of ones (`plausibleOnes`).
   */
  constructor(
    private readonly rows: number,
    private readonly width: number,
    private readonly names: BitRowNames,
    private readonly plausible: { readonly min: number; readonly max: number },
  ) {
    this.ones = new Float64Array(rows * width);
    this.perRow = new Float64Array(rows);
    this.scratch = new Uint8Array(width);
  }

  /** Checks a report's row index and bits, and adds them when both are valid (else adds nothing). */
  add(row: unknown, bits: unknown): RejectionReason | null {
    const { width, ones, scratch } = this;
    const bad = checkIndex(row, this.rows) ?? readBits(bits, width, scratch, this.plausible);
    if (bad) return bad;
    const j = row as number;
    const base = j * width;
    for (let i = 0; i < width; i++) ones[base + i] = (ones[base + i] as number) + (scratch[i] as number);
    this.perRow[j] = (this.perRow[j] as number) + 1;
    return null;
  }

  /** The counts as a snapshot's cells (copies). */
  cells(): Record<string, number[]> {
    return { [this.names.ones]: Array.from(this.ones), [this.names.rows]: Array.from(this.perRow) };
  }

  /** Checks a snapshot's cells against the rules above, then adds them. @throws SnapshotError, and then adds nothing. */
  absorb(snapshot: AccumulatorSnapshot): void {
    const { ones, rows } = this.names;
    requireNames(snapshot, [ones, rows]);
    const addedRows = readVector(snapshot, rows, this.rows, 0, snapshot.total);
    requireSum(addedRows, snapshot.total, rows);
    const addedOnes = readVector(snapshot, ones, this.rows * this.width, 0, snapshot.total);
    requireRowBounds(addedOnes, addedRows, this.width, ones);
    addInto(this.ones, addedOnes);
    addInto(this.perRow, addedRows);
  }
}
