/**
 * Golden-section search for the minimum of a unimodal function on [lo, hi].
 * Returns the smallest value seen; every evaluated point is a valid choice
 * for the callers (any Rényi order gives a valid bound), so the result is
 * sound even when the search stops early.
 * @internal
 */
export function minimizeUnimodal(f: (t: number) => number, lo0: number, hi0: number, tolerance: number, maxIterations = 200): number {
  let lo = lo0;
  let hi = hi0;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < maxIterations && hi - lo > tolerance; i++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = f(x2);
    }
  }
  return Math.min(f1, f2);
}
