/** Exact arithmetic on binary64 values for the clipping tests: Σ x² compared with C², no rounding. */

/** |x| = m·2^e exactly (m a BigInt < 2⁵³). */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
}

/**
 * The sign of Σ values² − bound², computed exactly (BigInt over a common power of two), and the
 * relative excess (Σ values² − bound²)/bound² as a double (for messages).
 */
export function exactSquaredNormVersus(values: Iterable<number>, bound: number): { sign: number; excess: number } {
  const counts = new Map<number, number>();
  for (const v of values) if (v !== 0) counts.set(Math.abs(v), (counts.get(Math.abs(v)) ?? 0) + 1);
  const [bm, be] = decompose(bound);
  const terms = [...counts].map(([v, c]) => {
    const [m, e] = decompose(v);
    return { m2: m * m * BigInt(c), e2: 2 * e };
  });
  const low = Math.min(2 * be, ...terms.map((t) => t.e2));
  let sum = 0n;
  for (const t of terms) sum += t.m2 << BigInt(t.e2 - low);
  const bound2 = (bm * bm) << BigInt(2 * be - low);
  const diff = sum - bound2;
  return { sign: diff > 0n ? 1 : diff < 0n ? -1 : 0, excess: Number((diff * 10n ** 18n) / bound2) / 1e18 };
}
