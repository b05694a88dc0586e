/**
 * Adult for the model benchmarks and the membership example: tsdp/node's
 * loadAdult (107 features: 5 numeric columns scaled by published bounds into
 * [0, 1]; 8 one-hot groups of UCI's published categories; capital gain and
 * loss as log1p(v)/log1p(bound); one-hot bins with fixed edges for age, hours,
 * capital gain and capital loss), with capital gain and loss in the numeric
 * block re-encoded here as log1p(v)/log1p(bound) too, and the public facts the
 * models declare — bounds [0, 1] per feature and the row-norm bounds of
 * {@link ADULT_BLOCKS} — none read from the data.
 * @module
 */
import { ADULT_CSV, loadAdult } from '../../src/learn/node/datasets.js';

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

/**
 * The encoding's blocks, as loadAdult documents them: each numeric or log-scaled column is one feature in
 * [0, 1]; each one-hot group (categories or bins) has at most one 1 (exactly one for bins, at most one for a
 * category list, which may miss a value). Widths are listed only to check that the encoding has not changed.
 */
export const ADULT_BLOCKS: readonly { readonly name: string; readonly width: number; readonly maxL1: number }[] = [
  { name: 'numeric (age, education_num, capital_gain, capital_loss, hours_per_week)', width: 5, maxL1: 5 },
  ...(
    [
      ['education', 16],
      ['workclass', 8],
      ['marital_status', 7],
      ['occupation', 14],
      ['relationship', 6],
      ['race', 5],
      ['sex', 2],
      ['native_country', 1],
    ] as const
  ).map(([name, width]) => ({ name: `one-hot ${name}`, width, maxL1: 1 })),
  { name: 'log1p capital_gain, capital_loss', width: 2, maxL1: 2 },
  ...(
    [
      ['age', 10],
      ['hours_per_week', 7],
      ['capital_gain', 15],
      ['capital_loss', 9],
    ] as const
  ).map(([name, width]) => ({ name: `bins ${name}`, width, maxL1: 1 })),
];

/**
 * The public row-norm bounds: ‖x‖₁ ≤ Σ over blocks of the block's largest L1 (19: 5 numeric + 2 log amounts + 12
 * one-hot groups), and ‖x‖₂ ≤ √19 (each block's squared L2 is at most its L1, every entry being in [0, 1]).
 * A rule on the encoding, not a statistic of the rows; it throws when the encoding's width changed.
 */
export function adultRowBounds(d: number): { maxRowL1: number; maxRowL2: number } {
  const width = ADULT_BLOCKS.reduce((s, b) => s + b.width, 0);
  if (width !== d) throw new Error(`bench/models/adult.ts: loadAdult has ${d} features, ADULT_BLOCKS lists ${width}: update the blocks`);
  const maxRowL1 = ADULT_BLOCKS.reduce((s, b) => s + b.maxL1, 0);
  return { maxRowL1, maxRowL2: Math.sqrt(maxRowL1) };
}

/** Column 2 is capital_gain/100 000, column 3 capital_loss/5 000 (loadAdult's order and published bounds). */
const LOG_COLUMNS: readonly (readonly [number, number])[] = [
  [2, 100_000],
  [3, 5_000],
];

/**
 * The split. `tuning: true` (for choosing a model's public constants): train is the training split less a
 * held-out fifth, test that fifth; the test split is not read (loadAdult's `tuning`).
 */
export function adult(options: { logCapital?: boolean; tuning?: boolean } = {}): AdultSplit {
  const a = loadAdult(ADULT_CSV, { tuning: options.tuning === true });
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
    ...adultRowBounds(d),
  };
}

export function matrix(p: { x: Float64Array; rows: number }, d: number) {
  return { values: p.x, rows: p.rows, columns: d };
}
