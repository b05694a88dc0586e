/**
 * The exact sampler of the fine quantile grid (src/stats/quantile-sparse.ts, proof beside it):
 * its proposal is exactly the dense exponential mechanism's law up to the dyadic factor the
 * acceptance removes (exact rational checks), its output law (χ²), and its termination and range.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { quantileBinIndex } from '../../src/stats/quantile-common.js';
import {
  coarsenBins,
  rankProposal,
  type SparseBins,
  sampleRankSelection,
  sparseFromDense,
  sparseFromRowBins,
} from '../../src/stats/quantile-sparse.js';
import { chiSquareTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

/** A rational strictly above ln 2. */
const LN2_ABOVE = Rational.of(693_147_180_559_945_310n, 10n ** 18n);

/** The cost factor·dist(t + pad, range) of every bin of a dense histogram (−1 and B virtual when padded), by brute force. */
function denseCosts(counts: bigint[], target: Rational, factor: Rational, pad: bigint, padded: boolean): Map<number, Rational> {
  const t = target.add(Rational.of(pad));
  const dist = (lo: bigint, hi: bigint) => {
    const l = Rational.of(lo);
    const h = Rational.of(hi);
    return (t.lt(l) ? l.sub(t) : t.gt(h) ? t.sub(h) : Rational.ZERO).mul(factor);
  };
  const out = new Map<number, Rational>();
  let rank = pad;
  if (padded) out.set(-1, dist(0n, pad));
  counts.forEach((c, b) => {
    out.set(b, dist(rank, rank + c));
    rank += c;
  });
  if (padded) out.set(counts.length, dist(rank, rank + pad));
  return out;
}

const histogram = fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 5n })), { minLength: 2, maxLength: 40 });

describe('rankProposal: the exact law behind sampleRankSelection', () => {
  it('generative: candidates tile the bins, each bin keeps its exact dense cost, a·ln 2 ≤ cost, weights m·2^(T−a) (fast-check, seed 5)', () => {
    fc.assert(
      fc.property(
        histogram,
        fc.constantFrom(0, 0.1, 0.5, 0.9, 1, 1 / 3),
        fc.tuple(fc.bigInt({ min: 1n, max: 50n }), fc.bigInt({ min: 1n, max: 20n })),
        fc.bigInt({ min: 0n, max: 30n }),
        fc.boolean(),
        (counts, q, [fn, fd], padRaw, padded) => {
          const pad = padded ? padRaw + 1n : 0n;
          const n = counts.reduce((a, b) => a + b, 0n);
          const target = Rational.fromNumber(q)
            .mul(Rational.of(n))
            .sub(Rational.of(padded ? pad / 2n : 0n));
          const factor = Rational.of(fn, fd);
          const s = sparseFromDense(counts);
          const p = rankProposal(s, target, factor, pad, padded);
          const expected = denseCosts(counts, target, factor, pad, padded);
          const cap = (counts.length + 2).toString(2).length + 64;
          let next = padded ? -1 : 0;
          let total = 0n;
          p.first.forEach((first, i) => {
            const m = p.size[i] as number;
            const a = p.exponent[i] as number;
            expect(first).toBe(next);
            next = first + m;
            for (let b = first; b < first + m; b++) expect(p.cost(i).equals(expected.get(b) as Rational)).toBe(true);
            expect(Rational.of(BigInt(a)).mul(LN2_ABOVE).le(p.cost(i))).toBe(true);
            total += BigInt(m) << BigInt(cap - a);
            expect(p.cumulative[i]).toBe(total);
          });
          expect(next).toBe(padded ? counts.length + 1 : counts.length);
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });

  it('a tiny case by hand: counts [0, 2, 0, 0, 1], median, factor 1', () => {
    const p = rankProposal(sparseFromDense([0n, 2n, 0n, 0n, 1n]), Rational.of(3n, 2n), Rational.ONE, 0n, false);
    expect(p.first).toEqual([0, 1, 2, 4]);
    expect(p.size).toEqual([1, 1, 2, 1]);
    // ranges [0,0], [0,2], [2,2], [2,3]; t = 3/2: distances 3/2, 0, 1/2, 1/2
    expect([0, 1, 2, 3].map((i) => p.cost(i).toString())).toEqual(['3/2', '0', '1/2', '1/2']);
    expect(p.exponent).toEqual([2, 0, 0, 0]);
  });
});

/** Exact output probabilities of the exponential mechanism over the bins of a dense histogram (floats from exact costs). */
function lawOf(costs: Map<number, Rational>): Map<number, number> {
  const w = new Map<number, number>();
  let total = 0;
  for (const [b, c] of costs) {
    const v = Math.exp(-c.toNumber());
    w.set(b, v);
    total += v;
  }
  for (const [b, v] of w) w.set(b, v / total);
  return w;
}

describe('sampleRankSelection: output law', () => {
  const cases: [string, bigint[], number, bigint, boolean][] = [
    ['median over 12 bins with gaps', [0n, 0n, 3n, 0n, 1n, 0n, 0n, 0n, 4n, 0n, 0n, 2n], 0.5, 0n, false],
    ['p25, padded by 3', [1n, 0n, 0n, 2n, 0n, 5n, 0n, 0n], 0.25, 3n, true],
    ['p90 of one tied bin', [0n, 0n, 0n, 9n, 0n, 0n], 0.9, 0n, false],
  ];
  for (const [name, counts, q, pad, padded] of cases) {
    it(`${name}: χ² against the exact law, 10^5 draws (false-failure probability ≤ 1e-6)`, () => {
      const n = counts.reduce((a, b) => a + b, 0n);
      const target = Rational.fromNumber(q).mul(Rational.of(n));
      const factor = Rational.of(1n, 2n);
      const law = lawOf(denseCosts(counts, target, factor, pad, padded));
      const keys = [...law.keys()];
      const seen = new Map<number, number>(keys.map((k) => [k, 0]));
      const s = sparseFromDense(counts);
      const rng = new SeededRandomSource(`rank-selection-${name}`);
      for (let i = 0; i < 100_000; i++) {
        const b = sampleRankSelection(s, target, factor, pad, padded, rng);
        seen.set(b, (seen.get(b) ?? Number.NaN) + 1);
      }
      const observed = keys.map((k) => seen.get(k) as number);
      expect(observed.every(Number.isInteger)).toBe(true);
      const result = chiSquareTest(
        observed,
        keys.map((k) => law.get(k) as number),
        { alpha: 1e-6 },
      );
      expect(result.reject).toBe(false);
    });
  }

  it('on 2³² bins: the law over candidates (gaps of ~10⁹ bins, single bins) by χ², 2·10⁴ draws (false-failure probability ≤ 1e-6)', () => {
    const B = 2 ** 32;
    const s: SparseBins = { bins: B, index: [1_000_000_000, 1_000_000_001, 3_000_000_000], count: [2n, 1n, 3n] };
    const target = Rational.of(3n); // median of 6 rows
    const factor = Rational.ONE;
    // candidates: gap [0, 1e9) range [0,0]; bin 1e9 [0,2]; bin 1e9+1 [2,3]; gap range [3,3]; bin 3e9 [3,6]; gap [6,6]
    const sizes = [1e9, 1, 1, 3e9 - 1e9 - 2, 1, B - 3e9 - 1];
    const dists = [3, 1, 0, 0, 0, 3];
    const ws = sizes.map((m, i) => m * Math.exp(-(dists[i] as number)));
    const tot = ws.reduce((a, b) => a + b, 0);
    const starts = [0, 1e9, 1e9 + 1, 1e9 + 2, 3e9, 3e9 + 1];
    const cell = (b: number) => starts.filter((x) => x <= b).length - 1;
    const observed = new Array<number>(6).fill(0);
    const rng = new SeededRandomSource('rank-selection-2^32');
    for (let i = 0; i < 20_000; i++) {
      const b = sampleRankSelection(s, target, factor, 0n, false, rng);
      expect(b >= 0 && b < B && Number.isInteger(b)).toBe(true);
      observed[cell(b)] = (observed[cell(b)] as number) + 1;
    }
    expect(
      chiSquareTest(
        observed,
        ws.map((w) => w / tot),
        { alpha: 1e-6, minExpected: 0 },
      ).reject,
    ).toBe(false);
  });
});

describe('sampleRankSelection: termination and range', () => {
  it('generative: ends with a bin of the grid (or a virtual bin) for random fine histograms up to 2⁵² bins (fast-check, seed 9)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 52 })
          .chain((k) =>
            fc.tuple(
              fc.constant(2 ** k),
              fc.uniqueArray(fc.integer({ min: 0, max: 2 ** k - 1 }), { maxLength: 30 }),
              fc.integer({ min: 1, max: 9 }),
            ),
          ),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1e-3, max: 50, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1_000_000 }),
        ([bins, cells, c], q, eps, padded, seed) => {
          const index = [...cells].sort((a, b) => a - b);
          const s: SparseBins = { bins, index, count: index.map(() => BigInt(c)) };
          const n = BigInt(c * index.length);
          const target = Rational.fromNumber(q).mul(Rational.of(n));
          const pad = padded ? 7n : 0n;
          const b = sampleRankSelection(s, target, Rational.fromNumber(eps), pad, padded, new SeededRandomSource(seed));
          expect(Number.isSafeInteger(b)).toBe(true);
          expect(b >= (padded ? -1 : 0) && b <= (padded ? bins : bins - 1)).toBe(true);
        },
      ),
      { seed: 9, numRuns: 300 },
    );
  });
});

describe('sparse histograms', () => {
  it('generative: the row bins on 2³² bins, coarsened by 2²⁰, are exactly the 4,096-bin counts (the interval ends see the same data) (fast-check, seed 4)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 110, noNaN: true }), { maxLength: 200 }), (xs) => {
        const fine = sparseFromRowBins(
          Float64Array.from(xs, (x) => quantileBinIndex(x, 0, 100, 2 ** 32)),
          2 ** 32,
        );
        const dense = new Array<bigint>(4096).fill(0n);
        for (const x of xs) {
          const b = quantileBinIndex(x, 0, 100, 4096);
          dense[b] = (dense[b] as bigint) + 1n;
        }
        expect(coarsenBins(fine, 2 ** 20)).toEqual(sparseFromDense(dense));
      }),
      { seed: 4, numRuns: 200 },
    );
  });
});
