/**
 * Adult for the model benchmarks and the membership example: tsdp/node's
 * loadAdult (5 numeric columns scaled by published bounds into [0, 1], 7
 * one-hot groups: 48 features; capital gain and loss re-encoded as
 * log1p(v)/log1p(bound)), with the public facts the models declare —
 * bounds [0, 1] per feature and ‖x‖₁ ≤ 12 (5 numeric + one 1 per group),
 * ‖x‖₂ ≤ √12 — none read from the data.
 * @module
 */
import { loadAdult } from '../../src/learn/node/datasets.js';

export interface AdultSplit {
  readonly train: { x: Float64Array; y: Float64Array; rows: number };
  readonly test: { x: Float64Array; y: Float64Array; rows: number };
  readonly d: number;
  /** Public per-feature bounds. */
  readonly bounds: { lower: number[]; upper: number[] };
  /** Public row norm bounds. */
  readonly maxRowL1: number;
  readonly maxRowL2: number;
}

/** Column 2 is capital_gain/100 000, column 3 capital_loss/5 000 (loadAdult's order and published bounds). */
const LOG_COLUMNS: readonly (readonly [number, number])[] = [
  [2, 100_000],
  [3, 5_000],
];

export function adult(options: { logCapital?: boolean } = {}): AdultSplit {
  const a = loadAdult();
  const d = a.features;
  const logCapital = options.logCapital ?? true;
  const part = (b: { inputs: Float64Array; labels: Int32Array; size: number }) => {
    const x = Float64Array.from(b.inputs);
    // A public re-encoding (same for every model and peer): capital gains and losses are heavy-tailed,
    // so v/bound is almost always ≈ 0; log1p(v)/log1p(bound) keeps them in [0, 1] and informative.
    if (logCapital)
      for (let r = 0; r < b.size; r++)
        for (const [c, bound] of LOG_COLUMNS) x[r * d + c] = Math.log1p((x[r * d + c] as number) * bound) / Math.log1p(bound);
    return { x, y: Float64Array.from(b.labels), rows: b.size };
  };
  return {
    train: part(a.train),
    test: part(a.test),
    d,
    bounds: { lower: new Array(d).fill(0), upper: new Array(d).fill(1) },
    maxRowL1: 12,
    maxRowL2: Math.sqrt(12),
  };
}

export function matrix(p: { x: Float64Array; rows: number }, d: number) {
  return { values: p.x, rows: p.rows, columns: d };
}
