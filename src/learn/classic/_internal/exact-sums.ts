/**
 * Exact sums for the classic models' released statistics (SECURITY §3; Casacuberta et al. 2022).
 *
 * Rule (noise.proof.md, "Exact sums"): every sum a classic model hands to the Laplace mechanism is computed
 * exactly, on a public power-of-two fixed-point grid, from per-row contributions whose real-number bound is the
 * one the sensitivity assumes — so the sensitivity is a fact about exact values, never about a float sum:
 *
 * 1. a row's unit values u (|u_f| ≤ r, r = 1, or 2 for PCA's centred rows) become integers
 *    q_f = trunc(u_f·2^20) (toward zero: |q_f|·2⁻²⁰ ≤ |u_f|), and the row's L1 norm is clipped AGAIN in
 *    integers, exactly: Σ|q_f| ≤ ⌊L·2^20⌋ (`quantizeRows`);
 * 2. linear statistics add the integers q_f (grid 2⁻²⁰); products (squares, Gram matrices, covariances, z·y)
 *    add trunc(q_i q_j / 2^16) (grid 2⁻²⁴; q_i q_j ≤ 2⁴² is exact, so is the division, so is trunc), whose
 *    magnitude is ≤ |q_i q_j|·2⁻⁴⁰ = |(q_i 2⁻²⁰)(q_j 2⁻²⁰)|: every norm bound the model's sensitivity uses
 *    (‖u‖₁ ≤ L, |u_f| ≤ r, Σ|u_i u_j| ≤ (‖u‖₁² + ‖u‖₂²)/2) holds for the exact real vector q·2⁻²⁰;
 * 3. the integer totals are kept exactly (doubles flushed to BigInt before they can pass 2⁵³), and read out
 *    saturated at ±2⁵³ grid units (a 1-Lipschitz map, so it never widens the distance between neighbours)
 *    times the grid (a power of two: exact).
 * The statistic handed to the Laplace mechanism for a data set and its neighbour therefore differ by exactly
 * the added row's contribution, whose L1 norm is at most the stated sensitivity — no rounding term.
 * @module
 */

/** 2^20: unit values live on the grid 2⁻²⁰. */
const UNIT = 2 ** 20;
/** Products q_i q_j (grid 2⁻⁴⁰) are truncated to the grid 2⁻²⁴: divided by 2^16. */
const PRODUCT_DIVISOR = 2 ** 16;
const LIMIT = 2 ** 53;

/** @internal The grid of a linear statistic (sums of q). */
export const LINEAR_GRID = 2 ** -20;
/** @internal The grid of a product statistic (sums of trunc(q_i q_j / 2^16)). */
export const PRODUCT_GRID = 2 ** -24;

/** @internal Unit values (|u| ≤ 2) as integers on 2⁻²⁰, truncated toward zero, each row's Σ|q| clipped exactly to ⌊l1·2^20⌋. */
export function quantizeRows(u: Float64Array, rows: number, d: number, l1: number): Float64Array {
  const q = new Float64Array(rows * d);
  const bound = Math.floor(l1 * UNIT);
  for (let r = 0; r < rows; r++) {
    let total = 0; // exact: at most d·2^21 < 2^53
    for (let f = 0; f < d; f++) {
      const v = Math.trunc((u[r * d + f] as number) * UNIT) + 0; // ×2^20 is exact; + 0 turns −0 into 0
      q[r * d + f] = v;
      total += Math.abs(v);
    }
    if (total > bound) {
      // Scale down exactly: ⌊|q_f|·B/S⌋ sums to at most B (BigInt: |q_f|·B may pass 2^53).
      const big = BigInt(bound);
      const s = BigInt(total);
      for (let f = 0; f < d; f++) {
        const v = q[r * d + f] as number;
        const m = Number((BigInt(Math.abs(v)) * big) / s);
        q[r * d + f] = v < 0 ? -m : m;
      }
    }
  }
  return q;
}

/** @internal trunc(a·b / 2^16) for integers |a|, |b| ≤ 2^21: the product term on the grid 2⁻²⁴, exactly. */
export function productUnits(a: number, b: number): number {
  return Math.trunc((a * b) / PRODUCT_DIVISOR) + 0;
}

/** @internal The unit value of 1 (an intercept column) on the linear grid. */
export const ONE = UNIT;

/**
 * @internal Exact integer totals: `add` integers whose magnitude per row and coordinate is at most `maxPerRow`,
 * call `endRow` after each row; doubles hold the running sums and are flushed to BigInt before they could pass 2^53.
 */
export class ExactTotals {
  readonly #acc: Float64Array;
  readonly #big: bigint[];
  readonly #rowsPerFlush: number;
  #rows = 0;

  constructor(size: number, maxPerRow: number) {
    this.#acc = new Float64Array(size);
    this.#big = new Array<bigint>(size).fill(0n);
    this.#rowsPerFlush = Math.max(1, Math.floor(LIMIT / Math.max(1, maxPerRow)) - 1);
  }

  /** Adds the integer `units` to coordinate i. */
  add(i: number, units: number): void {
    this.#acc[i] = (this.#acc[i] as number) + units;
  }

  /** Ends a row (flushes when the doubles could otherwise leave the exact range). */
  endRow(): void {
    if (++this.#rows >= this.#rowsPerFlush) this.flush();
  }

  private flush(): void {
    for (let i = 0; i < this.#acc.length; i++) {
      const v = this.#acc[i] as number;
      if (v !== 0) this.#big[i] = (this.#big[i] as bigint) + BigInt(v);
      this.#acc[i] = 0;
    }
    this.#rows = 0;
  }

  /** The exact totals times `grid`, each saturated at ±2^53 grid units (1-Lipschitz). */
  values(grid: number): number[] {
    this.flush();
    return this.#big.map((t) => {
      const c = t > BigInt(LIMIT) ? BigInt(LIMIT) : t < -BigInt(LIMIT) ? -BigInt(LIMIT) : t;
      return Number(c) * grid;
    });
  }
}
