/**
 * exp, log, log1p, expm1 (and the log-space sum and difference built on them) rounded OUTWARD: each `…Up` returns
 * a double ≥ the exact value of the function at its (double) argument, each `…Down` a double ≤ it. Used by the RDP
 * accountant so that every term of an RDP curve is an upper bound of its exact value (rule:
 * `src/accounting/float-sums.proof.md`, "Terms").
 *
 * **The error bound relied on (stated, sourced).** V8 (Node, Chromium) computes `Math.exp`, `Math.log`,
 * `Math.log1p` and `Math.expm1` with its port of fdlibm (`v8/src/base/ieee754.cc`, "adapted from fdlibm"; Node
 * ships it as `deps/v8/src/base/ieee754.cc`). fdlibm documents for each of these four (`e_exp.c`, `e_log.c`,
 * `s_log1p.c`, `s_expm1.c`, comments kept in the port): "according to an error analysis, the error is always less
 * than 1 ulp (unit in the last place)". We rely on exactly that and widen by TWO steps (`nextUp`/`nextDown` twice):
 * one ulp of error measured at the result r is covered by one step except at a power of two, where the ulp below r
 * is half the ulp above, so two steps cover "< 1 ulp" read either way. Results fdlibm returns exactly (exp(0) = 1,
 * log(1) = 0, log1p(0) = 0, expm1(0) = 0, log(0) = −∞) are returned as they are; the mathematical range is kept
 * (exp ≥ 0, expm1 ≥ −1). An engine whose libm is worse than 1 ulp (none we know of for these four) would break the
 * bound: `test/accounting/rdp-terms-outward.test.ts` checks the widened values against a 300-bit reference on
 * random arguments, so such an engine fails the test rather than silently under-charging.
 *
 * Products and quotients here are the "one step" kind (`mulAbove` …): the nearest result moved one step outward
 * (≥ the exact value because round-to-nearest errs by at most half a step), without the exact comparison of
 * `mulUp`, which costs a BigInt rational per call and is too slow for the RDP series.
 * @module
 */
/**
 * One step up without BigInt: for a normal r, r·(1 ± 2⁻⁵²) is at least one spacing above r (|r|·2⁻⁵² ≥ ulp(r), and
 * round-to-nearest cannot fall below the representable r + spacing), and + 2⁻¹⁰⁷⁴ moves a subnormal or zero r one
 * step (it is absorbed for normal r). So `stepUp(r) ≥ nextUp(r)` for every finite r; +∞ and NaN stay.
 */
function nextUp(r: number): number {
  return (r >= 0 ? r * (1 + 2 ** -52) : r * (1 - 2 ** -52)) + Number.MIN_VALUE;
}
function nextDown(r: number): number {
  return -nextUp(-r);
}
const up2 = (r: number): number => nextUp(nextUp(r));
const down2 = (r: number): number => nextDown(nextDown(r));

/**
 * An upper bound of e^x.
 * @param x - a number.
 * @returns a double ≥ e^x (+∞ on overflow, NaN for NaN).
 * @example expUp(1) > Math.E; // true
 */
export function expUp(x: number): number {
  if (x === 0) return 1;
  const r = Math.exp(x);
  return Number.isFinite(r) ? up2(r) : r;
}

/**
 * A lower bound of e^x (never below 0).
 * @param x - a number.
 * @returns a double ≤ e^x.
 * @example expDown(1) < Math.E; // true
 */
export function expDown(x: number): number {
  if (x === 0) return 1;
  const r = Math.exp(x);
  if (Number.isNaN(r)) return r;
  if (r === Number.POSITIVE_INFINITY) return x === Number.POSITIVE_INFINITY ? r : down2(Number.MAX_VALUE);
  return Math.max(0, down2(r));
}

/**
 * An upper bound of ln x (x ≥ 0).
 * @param x - a number.
 * @returns a double ≥ ln x (−∞ at 0, NaN below 0).
 * @example logUp(2) > Math.LN2; // true
 */
export function logUp(x: number): number {
  if (x === 1) return 0;
  const r = Math.log(x);
  return Number.isFinite(r) ? up2(r) : r;
}

/**
 * A lower bound of ln x (x ≥ 0).
 * @param x - a number.
 * @returns a double ≤ ln x.
 * @example logDown(2) < Math.LN2; // true
 */
export function logDown(x: number): number {
  if (x === 1) return 0;
  const r = Math.log(x);
  return Number.isFinite(r) ? down2(r) : r;
}

/**
 * An upper bound of ln(1 + x) (x ≥ −1).
 * @param x - a number.
 * @returns a double ≥ ln(1 + x).
 * @example log1pUp(1e-20) >= 1e-20; // true
 */
export function log1pUp(x: number): number {
  if (x === 0) return 0;
  const r = Math.log1p(x);
  return Number.isFinite(r) ? up2(r) : r;
}

/**
 * A lower bound of ln(1 + x) (x ≥ −1).
 * @param x - a number.
 * @returns a double ≤ ln(1 + x).
 * @example log1pDown(1e-20) < 1e-20; // true
 */
export function log1pDown(x: number): number {
  if (x === 0) return 0;
  const r = Math.log1p(x);
  return Number.isFinite(r) ? down2(r) : r;
}

/**
 * An upper bound of e^x − 1.
 * @param x - a number.
 * @returns a double ≥ e^x − 1.
 * @example expm1Up(-1) > Math.exp(-1) - 1 - 1e-16; // true
 */
export function expm1Up(x: number): number {
  if (x === 0) return x;
  const r = Math.expm1(x);
  return Number.isFinite(r) ? up2(r) : r;
}

/**
 * A lower bound of e^x − 1 (never below −1).
 * @param x - a number.
 * @returns a double ≤ e^x − 1.
 * @example expm1Down(1) < Math.E - 1; // true
 */
export function expm1Down(x: number): number {
  if (x === 0) return x;
  const r = Math.expm1(x);
  if (Number.isNaN(r)) return r;
  if (r === Number.POSITIVE_INFINITY) return x === Number.POSITIVE_INFINITY ? r : down2(Number.MAX_VALUE);
  return Math.max(-1, down2(r));
}

/**
 * An upper bound of √x (IEEE `sqrt` is correctly rounded: one step covers it).
 * @param x - a number ≥ 0.
 * @returns a double ≥ √x.
 * @example sqrtUp(2) > Math.SQRT2; // true
 */
export function sqrtUp(x: number): number {
  const r = Math.sqrt(x);
  return r * r === x || !Number.isFinite(r) ? r : nextUp(r);
}

/**
 * A lower bound of √x.
 * @param x - a number ≥ 0.
 * @returns a double ≤ √x.
 * @example sqrtDown(2) < Math.SQRT2; // true
 */
export function sqrtDown(x: number): number {
  const r = Math.sqrt(x);
  return r * r === x || !Number.isFinite(r) ? r : Math.max(0, nextDown(r));
}

/** One step outward from the nearest result of an operation that was not exact (0 and ±∞ kept). */
const stepUp = (r: number, exact: boolean): number => (exact || !Number.isFinite(r) ? r : nextUp(r));
const stepDown = (r: number, exact: boolean): number => (exact || !Number.isFinite(r) ? r : nextDown(r));

/**
 * a + b, then one step up unless TwoSum shows the sum exact: ≥ the exact sum.
 * @param a - a number.
 * @param b - a number.
 * @returns a double ≥ a + b.
 * @example addAbove(1, 1e-17) > 1; // true
 */
export function addAbove(a: number, b: number): number {
  const s = a + b;
  if (!Number.isFinite(s)) return s;
  const bb = s - a;
  const err = a - (s - bb) + (b - bb);
  return err > 0 ? nextUp(s) : s;
}

/**
 * a + b rounded down: ≤ the exact sum.
 * @param a - a number.
 * @param b - a number.
 * @returns a double ≤ a + b.
 * @example addBelow(1, -1e-17) < 1; // true
 */
export function addBelow(a: number, b: number): number {
  return -addAbove(-a, -b);
}

/**
 * a · b, one step up unless exact (a zero factor): ≥ the exact product.
 * @param a - a number.
 * @param b - a number.
 * @returns a double ≥ a · b.
 * @example mulAbove(0.1, 3) >= 0.30000000000000004; // true
 */
export function mulAbove(a: number, b: number): number {
  const p = a * b;
  return stepUp(p, a === 0 || b === 0 || Math.abs(a) === 1 || Math.abs(b) === 1);
}

/**
 * a · b, one step down unless exact: ≤ the exact product.
 * @param a - a number.
 * @param b - a number.
 * @returns a double ≤ a · b.
 * @example mulBelow(0.1, 3) < 0.30000000000000004; // true
 */
export function mulBelow(a: number, b: number): number {
  const p = a * b;
  return stepDown(p, a === 0 || b === 0 || Math.abs(a) === 1 || Math.abs(b) === 1);
}

/**
 * a / b (b ≠ 0), one step up unless exact: ≥ the exact quotient.
 * @param a - a number.
 * @param b - a nonzero number.
 * @returns a double ≥ a / b.
 * @example divAbove(1, 3) > 1 / 3; // true
 */
export function divAbove(a: number, b: number): number {
  const q = a / b;
  return stepUp(q, a === 0 || Math.abs(b) === 1);
}

/**
 * a / b (b ≠ 0), one step down unless exact: ≤ the exact quotient.
 * @param a - a number.
 * @param b - a nonzero number.
 * @returns a double ≤ a / b.
 * @example divBelow(1, 3) < 1 / 3 + 1e-17; // true
 */
export function divBelow(a: number, b: number): number {
  const q = a / b;
  return stepDown(q, a === 0 || Math.abs(b) === 1);
}

/**
 * An upper bound of ln(e^a + e^b).
 * @param a - a log-value (−∞ for zero).
 * @param b - a log-value.
 * @returns a double ≥ ln(e^a + e^b).
 * @example logAddUp(0, 0) > Math.LN2; // true
 */
export function logAddUp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (hi === Number.POSITIVE_INFINITY) return hi;
  return addAbove(hi, log1pUp(expUp(addAbove(lo, -hi))));
}

/**
 * A lower bound of ln(e^a + e^b).
 * @param a - a log-value (−∞ for zero).
 * @param b - a log-value.
 * @returns a double ≤ ln(e^a + e^b).
 * @example logAddDown(0, 0) < Math.LN2; // true
 */
export function logAddDown(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (hi === Number.POSITIVE_INFINITY) return hi;
  return addBelow(hi, log1pDown(expDown(addBelow(lo, -hi))));
}

/**
 * An upper bound of ln(e^a − e^b) for a ≥ b (−∞ when b ≥ a).
 * @param a - a log-value.
 * @param b - a log-value.
 * @returns a double ≥ ln(e^a − e^b).
 * @example logSubUp(Math.LN2, 0) >= 0; // true
 */
export function logSubUp(a: number, b: number): number {
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a <= b) return Number.NEGATIVE_INFINITY;
  return addAbove(a, log1pUp(-expDown(addBelow(b, -a))));
}

/**
 * A lower bound of ln(e^a − e^b) for a ≥ b (−∞ when b ≥ a or when the difference cannot be bounded away from 0).
 * @param a - a log-value.
 * @param b - a log-value.
 * @returns a double ≤ ln(e^a − e^b).
 * @example logSubDown(Math.LN2, 0) <= 0; // true
 */
export function logSubDown(a: number, b: number): number {
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a <= b) return Number.NEGATIVE_INFINITY;
  const e = expUp(addAbove(b, -a));
  if (e >= 1) return Number.NEGATIVE_INFINITY;
  return addBelow(a, log1pDown(-e));
}
