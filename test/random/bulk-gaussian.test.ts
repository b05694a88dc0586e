/**
 * The bulk Gaussian's ziggurat (src/random/bulk-gaussian.ts, issue 12: DP-SGD's noise): the block table is the
 * exact ziggurat to binary64 accuracy, and the samples are N(0, σ²) on the grid in every region the construction
 * treats separately (core rectangles, wedges, the tail beyond R), tested at 10⁶ draws.
 *
 * The table (ZIG_R, ZIG_X) was computed with this mpmath script (python3, mpmath 1.3), printing R, V and the edges:
 *   from mpmath import mp, mpf, exp, log, sqrt, erfc, pi
 *   mp.dps = 60
 *   C = 128
 *   def f(x): return exp(-x*x/2)
 *   def table(R):
 *       V = R*f(R) + sqrt(pi/2)*erfc(R/sqrt(2))
 *       xs = [V/f(R), R]
 *       for i in range(2, C):
 *           t = V/xs[-1] + f(xs[-1])
 *           if t >= 1: return None, V, xs
 *           xs.append(sqrt(-2*log(t)))
 *       return V/xs[-1] + f(xs[-1]) - 1, V, xs
 *   lo, hi = mpf('3.44'), mpf('3.45')
 *   # bisection on R: the recursion must close at the top block (g = 0)
 *   for _ in range(300):
 *       mid = (lo+hi)/2
 *       g, V, xs = table(mid)
 *       if g is None or g > 0: lo = mid   # R too small -> recursion overshoots
 *       else: hi = mid
 *       if hi - lo < mpf(10)**-55: break
 *   R = (lo+hi)/2
 *   g, V, xs = table(R)
 *   xs.append(mpf(0))
 *   print('R', mp.nstr(R, 25), 'V', mp.nstr(V, 25), 'closure', mp.nstr(g, 5), len(xs))
 *   def lit(x):
 *       d = float(x)
 *       return repr(d)
 *   print('[' + ', '.join(lit(x) for x in xs) + ']')
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erfc, normalCdf } from '../../src/numeric/special.js';
import { fillBulkGaussian, ZIG_R, ZIG_X } from '../../src/random/bulk-gaussian.js';
import { chiSquareTest, ksTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const f = (x: number) => Math.exp(-0.5 * x * x);
/** V = R·f(R) + ∫_R^∞ f. */
const V = ZIG_R * f(ZIG_R) + Math.sqrt(Math.PI / 2) * erfc(ZIG_R / Math.SQRT2);

describe('the ziggurat table', () => {
  it('has 129 decreasing edges from V/f(R) through R down to 0', () => {
    expect(ZIG_X.length).toBe(129);
    expect(ZIG_X[1]).toBe(ZIG_R);
    expect(ZIG_X[128]).toBe(0);
    expect(Math.abs((ZIG_X[0] as number) - V / f(ZIG_R))).toBeLessThan(1e-14);
    for (let i = 0; i < 128; i++) expect(ZIG_X[i + 1] as number).toBeLessThan(ZIG_X[i] as number);
  });

  it('every block has area V to binary64 accuracy (the recursion closes at the top)', () => {
    // Block i ≥ 1: [0, x_i] × [f(x_i), f(x_{i+1})]; block 0: [0, x_0] × [0, f(R)].
    expect(Math.abs((ZIG_X[0] as number) * f(ZIG_R) - V) / V).toBeLessThan(1e-14);
    for (let i = 1; i < 128; i++) {
      const area = (ZIG_X[i] as number) * (f(ZIG_X[i + 1] as number) - f(ZIG_X[i] as number));
      expect(Math.abs(area - V) / V).toBeLessThan(1e-12);
    }
  });
});

describe('fillBulkGaussian (ziggurat)', () => {
  const n = 1_000_000;
  const sigma = 1;
  const g = 2 ** -40;
  const out = new Float64Array(n);
  fillBulkGaussian(out, sigma, new SeededRandomSource('bulk-ziggurat'));

  it('is N(0, 1) on the grid (KS, 10^6 draws, false-failure probability ≤ 1e-6)', () => {
    expect(out.every((x) => Number.isInteger(x / g) && Math.abs(x) < 14.2)).toBe(true);
    expect(ksTest(out, (x) => normalCdf((Math.floor(x / g) + 0.5) * g), { alpha: 1e-6 }).reject).toBe(false);
  });

  it('puts the right mass in every strip between block edges, both signs (χ², 258 cells, 10^6 draws, false-failure probability ≤ 1e-6)', () => {
    // Cells: (−∞, −x_1], (−x_1, −x_2], …, (−x_127, 0], (0, x_127], …, (x_1, ∞): the core/wedge split of every block
    // and the tail are each a cell's boundary, so a wrong block, wedge or tail shows as a wrong cell mass.
    const edges = [...Array.from(ZIG_X.subarray(1, 128), (x) => -x), 0, ...Array.from(ZIG_X.subarray(1, 128)).reverse()];
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const x of out) {
      let lo = 0;
      let hi = edges.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (x <= (edges[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      counts[lo] = (counts[lo] as number) + 1;
    }
    const cdf = [0, ...edges.map((e) => normalCdf(e)), 1];
    const probabilities = counts.map((_, k) => (cdf[k + 1] as number) - (cdf[k] as number));
    expect(chiSquareTest(counts, probabilities, { alpha: 1e-6 }).reject).toBe(false);
  });

  it('draws the tail beyond R at its rate and shape (binomial and KS of the excess, false-failure probability ≤ 1e-6)', () => {
    const excess = Array.from(
      out.filter((x) => Math.abs(x) > ZIG_R),
      (x) => Math.abs(x) - ZIG_R,
    );
    const p = erfc(ZIG_R / Math.SQRT2); // P(|Z| > R) ≈ 5.8·10⁻⁴
    // Bernstein: P(|S − np| ≥ t) ≤ 2·exp(−t²/(2(np + t/3))) < 1e-9 at t = 170.
    expect(Math.abs(excess.length - n * p)).toBeLessThan(170);
    const tailCdf = (e: number) => 1 - erfc((ZIG_R + e) / Math.SQRT2) / p;
    expect(ksTest(excess, tailCdf, { alpha: 1e-6 }).reject).toBe(false);
  });
});

/**
 * A source that hands out a script of words, then the pair (2³¹, 0) forever: as an attempt that pair is u = 0 in
 * block 0 (output 0); as a 53-bit uniform it is ½ (so a tail try on it gives R + ln 2/R, accepted).
 */
class ScriptedSource {
  readonly isSeeded = true;
  constructor(private readonly script: number[]) {}
  nextUint32(): number {
    throw new Error('not used by fillBulkGaussian');
  }
  fill(out: Uint32Array): void {
    for (let j = 0; j < out.length; j++) out[j] = j < this.script.length ? (this.script[j] as number) : j % 2 === 0 ? 2 ** 31 : 0;
  }
}

/** The two words of an attempt with u = (hi·2²⁶ + lo)·2⁻⁵² − 1 in block i. */
const attempt = (hi: number, lo: number, i: number): number[] => [((hi << 5) | (i & 31)) >>> 0, ((lo << 6) | (i >> 5)) >>> 0];
/** The two words of the 53-bit uniform (hi·2²⁶ + lo)·2⁻⁵³. */
const uniformWords = (hi: number, lo: number): number[] => [(hi << 5) >>> 0, (lo << 6) >>> 0];
/** z rounded to the grid 2⁻⁴⁰, ties to even (as the sampler; Math.round would round ties up). */
const onGrid = (z: number) => (z * 2 ** 40 + 1.5 * 2 ** 52 - 1.5 * 2 ** 52) * 2 ** -40;
/** One value with σ = 1 (grid 2⁻⁴⁰) from a scripted word stream. */
function one(script: number[]): number {
  const out = new Float64Array(1);
  fillBulkGaussian(out, 1, new ScriptedSource(script));
  return out[0] as number;
}

describe('fillBulkGaussian: each branch of the ziggurat against its exact rule (generative)', () => {
  const hi27 = fc.integer({ min: 0, max: 2 ** 27 - 1 });
  const lo26 = fc.integer({ min: 0, max: 2 ** 26 - 1 });

  it('the core and the wedge of block i ≥ 1: x = u·x_i is kept iff f(x_{i+1}) + U·(f(x_i) − f(x_{i+1})) < f(x)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 127 }), hi27, lo26, hi27, lo26, (i, uh, ul, vh, vl) => {
        const u = (uh * 2 ** 26 + ul) * 2 ** -52 - 1;
        const U = (vh * 2 ** 26 + vl) * 2 ** -53;
        const xi = ZIG_X[i] as number;
        const next = ZIG_X[i + 1] as number;
        const x = u * xi;
        const level = f(next) + U * (f(xi) - f(next));
        fc.pre(Math.abs(level - f(x)) > 1e-12 * f(x)); // away from the boundary, where rounding may decide
        const kept = Math.abs(x) <= next || level < f(x);
        expect(one([...attempt(uh, ul, i), ...uniformWords(vh, vl)])).toBe(kept ? onGrid(x) : 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('the core rectangle of every block ends at x_{i+1}: u just inside is kept at once, u just outside (with U = 0) is not', () => {
    for (let i = 1; i < 128; i++) {
      for (const [factor, kept] of [
        [1 - 2 ** -20, true],
        [1 + 2 ** -20, false],
      ] as const) {
        const k = Math.round((((ZIG_X[i + 1] as number) / (ZIG_X[i] as number)) * factor + 1) * 2 ** 52); // u = k·2⁻⁵² − 1
        const u = k * 2 ** -52 - 1;
        const hi = Math.floor(k / 2 ** 26);
        expect(one([...attempt(hi, k - hi * 2 ** 26, i), 0, 0])).toBe(kept ? onGrid(u * (ZIG_X[i] as number)) : 0);
      }
    }
  });

  it('the tail (block 0 beyond R): R + x with x = −ln(U₁)/R, kept iff −2·ln(U₂) ≥ x², with the sign of u', () => {
    fc.assert(
      fc.property(hi27, lo26, hi27, lo26, hi27, lo26, (uh, ul, ah, al, bh, bl) => {
        const u = (uh * 2 ** 26 + ul) * 2 ** -52 - 1;
        fc.pre(Math.abs(u) * (ZIG_X[0] as number) > ZIG_R * (1 + 1e-12));
        const U1 = 1 - (ah * 2 ** 26 + al) * 2 ** -53;
        const U2 = 1 - (bh * 2 ** 26 + bl) * 2 ** -53;
        const x = -Math.log(U1) / ZIG_R;
        const y = -Math.log(U2);
        fc.pre(Math.abs(2 * y - x * x) > 1e-9 * (1 + x * x));
        const magnitude = 2 * y >= x * x ? ZIG_R + x : ZIG_R + Math.LN2 / ZIG_R; // else the next try (U = ½) is kept
        expect(one([...attempt(uh, ul, 0), ...uniformWords(ah, al), ...uniformWords(bh, bl)])).toBe(onGrid(u < 0 ? -magnitude : magnitude));
      }),
      { numRuns: 2000 },
    );
  });
});
