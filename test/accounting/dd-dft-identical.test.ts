/**
 * Class 10 ("answers are upper bounds"), the PLD round-off bound's speed (stop 18): `dd-dft-sums.ts` writes the
 * double-double DFT of `dd-dft.ts` out on scalars and runs several bins in one pass. Its proof is the old code's
 * (`src/accounting/pld-roundoff.proof.md`, "Refined bins") only if every rounding is the same, so the results must
 * be bit-identical to a plain implementation of the same operations — the reference below, which is the stop-17
 * code (tuples, one bin per pass, Joldes–Muller–Popescu's AccurateDWPlusDW and DWTimesDW1).
 *
 * - Regression: fixed inputs (a PLD-like bump, data with zeros and subnormals, sizes 4 … 2¹⁷, shifts), and the
 *   PLD accountant's ε(δ), δ(ε) for subsampled Gaussians equal, bit for bit, to what main 55987d1 returned.
 * - Generative (fast-check, seeds 1810, 1811): the double-double state of the loop itself (every high and low
 *   part, any t and w₀), and random x (zeros, subnormals, signs), sizes, bins in any order, powers
 *   and shifts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refinedBinPowers } from '../../src/accounting/_internal/dd-dft.js';
import { accumulateBins, STATE_STRIDE, setTwiddle, TWIDDLE_STRIDE } from '../../src/accounting/_internal/dd-dft-sums.js';
import { DpEvents } from '../../src/accounting/dp-events.js';
import { PldAccountant } from '../../src/accounting/pld-accountant.js';

// ---- The reference: stop 17's refinedBinPower, one bin per call, on tuples. ----
type DD = [number, number];
type CDD = [DD, DD];
const U = 2 ** -53;
const TAU = 32 * U * U;

function split(a: number): DD {
  const c = 134217729 * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(x: DD, y: DD): DD {
  let sh = x[0] + y[0];
  let bb = sh - x[0];
  let sl = x[0] - (sh - bb) + (y[0] - bb);
  const th = x[1] + y[1];
  bb = th - x[1];
  const tl = x[1] - (th - bb) + (y[1] - bb);
  sl += th;
  let v = sh + sl;
  sl -= v - sh;
  sh = v;
  sl += tl;
  v = sh + sl;
  return [v, sl - (v - sh)];
}

function ddMul(x: DD, y: DD): DD {
  const [ch, cl0] = twoProd(x[0], y[0]);
  const cl = cl0 + (x[0] * y[1] + x[1] * y[0]);
  const v = ch + cl;
  return [v, cl - (v - ch)];
}

const ddNeg = (x: DD): DD => [-x[0], -x[1]];
const cMul = (z: CDD, w: CDD): CDD => [ddAdd(ddMul(z[0], w[0]), ddNeg(ddMul(z[1], w[1]))), ddAdd(ddMul(z[0], w[1]), ddMul(z[1], w[0]))];

function ddDivSmall(x: DD, m: number): DD {
  const q1 = x[0] / m;
  const [p, e] = twoProd(q1, m);
  const r = x[0] - p - e + x[1];
  const q2 = r / m;
  const v = q1 + q2;
  return [v, q2 - (v - q1)];
}

function rootOfUnity(size: number): CDD {
  const theta: DD = [6.283185307179586 / size, 2.4492935982947064e-16 / size];
  const t2 = ddMul(theta, theta);
  let c: DD = [1, 0];
  let s: DD = theta;
  let termC: DD = [1, 0];
  let termS: DD = theta;
  for (let j = 1; j <= 30; j++) {
    termC = ddDivSmall(ddMul(termC, t2), -(2 * j - 1) * (2 * j));
    termS = ddDivSmall(ddMul(termS, t2), -(2 * j) * (2 * j + 1));
    c = ddAdd(c, termC);
    s = ddAdd(s, termS);
  }
  return [c, ddNeg(s)];
}

function cPow(z: CDD, k: number): CDD {
  let result: CDD = [
    [1, 0],
    [0, 0],
  ];
  let base = z;
  let e = k;
  while (e > 0) {
    if (e % 2 === 1) result = cMul(result, base);
    e = Math.floor(e / 2);
    if (e > 0) base = cMul(base, base);
  }
  return result;
}

const log2 = (k: number) => (k <= 1 ? 1 : Math.ceil(Math.log2(k)));

/** S = Σ_j x_j·w_j, w_{j+1} = w_j·t; returns S and the last w. */
function referenceSums(x: Float64Array, len: number, t: CDD, w0: CDD): { sr: DD; si: DD; w: CDD } {
  let w = w0;
  let sr: DD = [0, 0];
  let si: DD = [0, 0];
  for (let j = 0; j < len; j++) {
    const xj = x[j] as number;
    if (xj !== 0) {
      sr = ddAdd(sr, ddMul([xj, 0], w[0]));
      si = ddAdd(si, ddMul([xj, 0], w[1]));
    }
    w = cMul(w, t);
  }
  return { sr, si, w };
}

function referenceL1(x: Float64Array, len: number): number {
  let l1 = 0;
  for (let j = 0; j < len; j++) if ((x[j] as number) !== 0) l1 += Math.abs(x[j] as number);
  return l1;
}

function referenceBinPower(x: Float64Array, size: number, k: number, n: number, shift: number) {
  const len = Math.min(x.length, size);
  const omega = rootOfUnity(size);
  const t = cPow(omega, k);
  const errT = 1.01 * (k * 64 * U * U + 2 * log2(k) * TAU);
  const e0 = ((size - (shift % size)) * k) % size;
  const err0 = 1.01 * (e0 * 64 * U * U + 2 * log2(e0) * TAU);
  const { sr, si } = referenceSums(x, len, t, cPow(omega, e0));
  const l1 = referenceL1(x, len) * (1 + 2 ** -28);
  const errX = 1.1 * l1 * (err0 + (len + 1) * (errT + TAU) + 2 * TAU + len * 6 * U * U) + len * 64 * Number.MIN_VALUE;
  const mod = Math.hypot(sr[0], si[0]) * (1 + 4 * U) + Math.abs(sr[1]) + Math.abs(si[1]);
  const p = cPow([sr, si], n);
  const pr = p[0][0] + p[0][1];
  const pi = p[1][0] + p[1][1];
  const upper = mod + errX;
  const power = Math.exp(n * Math.log(upper)) * 1.01;
  const error =
    1.05 * (n * errX * Math.exp((n - 1) * Math.log(upper)) + power * (2 * log2(n) * TAU) + 2 * U * Math.hypot(pr, pi)) +
    64 * Number.MIN_VALUE;
  return { re: pr, im: pi, error };
}

/** Asserts that the batched bins equal the reference's, bit for bit (Object.is: −0 ≠ +0). */
function assertIdentical(x: Float64Array, size: number, ks: number[], n: number, shift: number) {
  const got = refinedBinPowers(x, size, ks, n, shift);
  expect(got.length).toBe(ks.length);
  ks.forEach((k, b) => {
    const want = referenceBinPower(x, size, k, n, shift);
    const r = got[b] as { re: number; im: number; error: number };
    expect([Object.is(r.re, want.re), Object.is(r.im, want.im), Object.is(r.error, want.error)]).toEqual([true, true, true]);
  });
}

describe('the PLD round-off bound: the double-double DFT written out on scalars is bit-identical to the proven one', () => {
  it('regression: fixed inputs (a PLD-like bump, zeros, subnormals, signs), sizes 4 … 2¹⁷, shifts and powers', () => {
    const bump = Float64Array.from({ length: 3000 }, (_, i) => Math.exp(-((i - 1200) ** 2) / 2e5) * 1e-3);
    assertIdentical(bump, 4096, [1, 2, 3, 5, 8, 13, 1000, 2048], 4, 1234);
    assertIdentical(bump, 1 << 17, [0, 1, 65536, 99999], 1000, 0);
    const odd = Float64Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 0 : i % 5 === 0 ? 5e-324 * i : (-1) ** i / (i + 1)));
    assertIdentical(odd, 64, [0, 1, 31, 32, 63], 7, 17);
    assertIdentical(odd, 4, [0, 1, 2, 3], 1, 3);
    assertIdentical(odd.subarray(0, 2), 4, [1], 10_000, 0);
    assertIdentical(new Float64Array(10), 16, [3], 2, 1);
    // No bins: no work, no answer.
    expect(refinedBinPowers(bump, 4096, [], 4, 0)).toEqual([]);
  });

  it('regression: the PLD accountant answers exactly what main 55987d1 answered (subsampled Gaussians, refined bins)', () => {
    const cases: [number, number, number, number[], number[]][] = [
      [0.25, 0.8, 4, [3.776212067707435, 6.186520114365033, 10.274018662557074, 13.030084849484757], [0.07665083535203471]],
      [0.01, 1, 100, [0.3407534119531013, 0.7180374323443331, 1.8443933263928023, 2.8534086931067693], [6.671458897751659e-7]],
      [0.5, 0.6, 3, [8.71399668907464, 12.440848593184398, 17.85960204567345, 21.133504984379254], [0.34896814262060283]],
    ];
    for (const [q, sigma, n, epsilons, deltas] of cases) {
      const pld = new PldAccountant().compose(DpEvents.selfComposed(DpEvents.poissonSampled(q, DpEvents.gaussian(sigma)), n));
      expect([1e-3, 1e-5, 1e-9, 1e-12].map((d) => pld.epsilon(d))).toEqual(epsilons);
      expect([1].map((e) => pld.delta(e))).toEqual(deltas);
    }
  }, 120_000);

  it('generative (fast-check, seed 1811): the loop itself — every high and low part of S and w, for any t and w₀ — is the reference', () => {
    // The rounded outputs above hide most low-order differences; this compares the double-double state itself.
    const part = fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -1e-16, max: 1e-16, noNaN: true }));
    const cdd = fc.tuple(part, part, part, part).map(([a, b, c, d]): CDD => [ddAdd([a, 0], [b, 0]), ddAdd([c, 0], [d, 0])]);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: -1, max: 1, noNaN: true })), { maxLength: 200 }),
        fc.array(fc.tuple(cdd, cdd), { minLength: 1, maxLength: 5 }),
        (values, bins) => {
          const x = Float64Array.from(values);
          const twiddles = new Float64Array(TWIDDLE_STRIDE * bins.length);
          const state = new Float64Array(STATE_STRIDE * bins.length);
          bins.forEach(([t, w0], b) => {
            setTwiddle(twiddles, b, t[0][0], t[0][1], t[1][0], t[1][1]);
            state.set([w0[0][0], w0[0][1], w0[1][0], w0[1][1]], STATE_STRIDE * b);
          });
          const l1 = accumulateBins(x, x.length, twiddles, state, bins.length);
          expect(Object.is(l1, referenceL1(x, x.length))).toBe(true);
          bins.forEach(([t, w0], b) => {
            const { sr, si, w } = referenceSums(x, x.length, t, w0);
            const want = [w[0][0], w[0][1], w[1][0], w[1][1], sr[0], sr[1], si[0], si[1]];
            const got = Array.from(state.subarray(STATE_STRIDE * b, STATE_STRIDE * (b + 1)));
            expect(got.map((v, i) => Object.is(v, want[i]))).toEqual(want.map(() => true));
          });
        },
      ),
      { seed: 1811, numRuns: 300 },
    );
  });

  it('generative (fast-check, seed 1810): random data, sizes, bins in any order, powers and shifts give the same bits', () => {
    const entry = fc.oneof(
      fc.constant(0),
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1e-300, noNaN: true }),
      fc.integer({ min: 1, max: 20 }).map((m) => m * Number.MIN_VALUE),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        fc.array(entry, { minLength: 0, maxLength: 600 }),
        fc.array(fc.nat(), { minLength: 0, maxLength: 6 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.nat(),
        (bits, values, rawKs, n, rawShift) => {
          const size = 1 << bits;
          assertIdentical(
            Float64Array.from(values),
            size,
            rawKs.map((k) => k % size),
            n,
            rawShift % size,
          );
        },
      ),
      { seed: 1810, numRuns: 200 },
    );
  });
});
