/**
 * The bisection shared by the calibration routines.
 * @module
 */

/**
 * Narrows [lo, hi] to within 2⁻⁴⁰ relative (at most 200 steps) around the
 * boundary of a monotone predicate, keeping the invariant `fits(hi)`, `!fits(lo)`.
 * @returns the final `hi`, so the answer never overshoots the target `fits` encodes.
 */
export function bisectToFit(lo: number, hi: number, fits: (x: number) => boolean): number {
  for (let i = 0; i < 200 && hi - lo > hi * 2 ** -40; i++) {
    const mid = lo + (hi - lo) / 2;
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
