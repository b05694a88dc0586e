/**
 * The sufficient statistics of an accumulator, as plain integer vectors, and
 * the checks that make a loaded snapshot safe to add.
 *
 * Rule (what closes "a forged state corrupts counts silently"): a snapshot is
 * accepted only if it is exactly what *some* sequence of `total` valid reports
 * could have produced — every vector has its protocol's length, every cell is
 * a non-negative safe integer (signed where the protocol adds ±1), and the
 * protocol's conservation laws hold (a histogram sums to `total`; a cell never
 * exceeds the reports of its row; Σ|signs| ≤ total with the same parity).
 * So a forged snapshot can shift estimates no more than `total` forged
 * reports could — the poisoning bound of the threat model — and `total`
 * itself shows in `reportCount`.
 * @module
 */

/** Named vectors of integer counts, and the number of reports they summarize. */
export interface AccumulatorSnapshot {
  readonly total: number;
  readonly cells: Readonly<Record<string, readonly number[]>>;
}

/** Why a snapshot was refused (public: names a field and a rule, never a value). */
export class SnapshotError extends Error {}

function fail(message: string): never {
  throw new SnapshotError(message);
}

/** The vector `name` of `snapshot`, checked for length and integer cells in [min, max]. */
export function readVector(snapshot: AccumulatorSnapshot, name: string, length: number, min: number, max: number): readonly number[] {
  const v = snapshot.cells[name];
  if (!Array.isArray(v)) fail(`cells.${name} must be an array`);
  if (v.length !== length) fail(`cells.${name} must have ${length} entries`);
  for (const x of v) {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max)
      fail(`cells.${name} must hold integers in [${min}, ${max}]`);
  }
  return v;
}

/** Σ of a vector. */
export function sum(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s;
}

/** Checks Σ v = total. */
export function requireSum(v: readonly number[], total: number, name: string): void {
  if (sum(v) !== total) fail(`cells.${name} must sum to total`);
}

/** Checks that each cell of row j (of width m) is at most rows[j]. */
export function requireRowBounds(v: readonly number[], rows: readonly number[], m: number, name: string): void {
  for (let j = 0; j < rows.length; j++) {
    const cap = rows[j] as number;
    for (let l = 0; l < m; l++) if ((v[j * m + l] as number) > cap) fail(`cells.${name} must not exceed the reports of its row`);
  }
}

/** The names of a snapshot's vectors must be exactly `names`. */
export function requireNames(snapshot: AccumulatorSnapshot, names: readonly string[]): void {
  const got = Object.keys(snapshot.cells).sort();
  const want = [...names].sort();
  if (got.length !== want.length || got.some((n, i) => n !== want[i])) fail(`cells must hold exactly: ${want.join(', ')}`);
}

/** Adds integer counts into a Float64Array. */
export function addInto(target: Float64Array, source: readonly number[]): void {
  for (let i = 0; i < source.length; i++) target[i] = (target[i] as number) + (source[i] as number);
}
