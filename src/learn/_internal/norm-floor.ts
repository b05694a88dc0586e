/**
 * The floor of a computed squared norm (ghost-clipping.proof.md, "The float margin"): a sum of
 * squares below 2⁻⁹⁶⁸ is raised to 2⁻⁹⁶⁸ before it is used to clip. Squares that underflow lose at
 * most 2⁻¹⁰⁷⁵ each, so n ≤ 2⁵⁴ of them lose ≤ n·2⁻¹⁰⁷⁵ ≤ 2⁻⁵³·2⁻⁹⁶⁸: after the floor that absolute
 * error is one more relative rounding, which the layer's `squaredNormRoundings` counts.
 * @module
 */

/** 2⁻⁹⁶⁸ (a normal binary64 number, far below any norm that matters). */
export const SQUARED_NORM_FLOOR = 2 ** -968;
