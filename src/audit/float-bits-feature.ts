/**
 * A bit-pattern feature of doubles for auditing floating-point noise.
 * @module
 */
const view = new DataView(new ArrayBuffer(8));

/**
 * The exponent of the lowest set bit of a finite double: the largest k with
 * x a multiple of 2^k (its 2-adic valuation). 0 and non-finite values map to
 * the sentinel 2000, above every finite valuation.
 *
 * Naive floating-point noise leaves a trace here: `1 + noise` is always a
 * multiple of 2^−53, while `0 + noise` takes much finer values near 0
 * (Mironov 2012). Any post-processing of a DP output is DP, so using this as
 * an audit feature is sound for every mechanism.
 * @param x - a mechanism output.
 * @returns the integer k, or 2000 for 0, NaN and ±∞.
 * @see Mironov (2012), "On significance of the least significant bits for differential privacy", CCS.
 * @example
 * lowestSetBitExponent(0.75); // -2
 * lowestSetBitExponent(12); // 2
 */
export function lowestSetBitExponent(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return 2000;
  view.setFloat64(0, x, true);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const rawExp = (hi >>> 20) & 0x7ff;
  // The exponent of the mantissa's unit bit; subnormals share the smallest one.
  const unit = rawExp === 0 ? -1074 : rawExp - 1075;
  if (lo !== 0) return unit + 31 - Math.clz32(lo & -lo);
  const high = (hi & 0xfffff) | (rawExp === 0 ? 0 : 0x100000);
  return unit + 32 + 31 - Math.clz32(high & -high);
}
