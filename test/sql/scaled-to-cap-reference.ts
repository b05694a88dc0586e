/**
 * The reference of `src/sql/scaled-to-cap.ts` in BigInt: a unit's sum s of n values weighted to C values.
 */

/**
 * s when n ≤ C, else ⌊s·C/n + ½⌋ (the rational s·C/n rounded to the nearest integer, ties up), exactly.
 * @param s - the unit's sum of grid units in one group.
 * @param n - its count of values there.
 * @param C - maxContributionsPerPartition.
 * @returns the weighted sum (before the caller's clamp to ±C·M).
 */
export function scaledToCapReference(s: bigint, n: bigint, C: bigint): bigint {
  if (n <= C) return s;
  const x = 2n * s * C + n;
  const d = 2n * n;
  // BigInt `/` truncates toward zero: a floor for x ≥ 0, and −⌈−x/d⌉ below.
  return x >= 0n ? x / d : -((d - 1n - x) / d);
}
