/**
 * Review finding (session 3, issue 10 class 2 — "structure read from the data", and the calculus's "one
 * privacy-unit type"; severity ε = ∞ on the row count under add/remove, i.e. under every budget a caller
 * would charge it to): `dpMean(values, { publicSize: true, … })` treats the row count as public, but takes it
 * from the data (`values.length`, `src/stats/column-aggregates.ts`), and publishes it: the noise scale of the
 * mean is (grid units)/n, so the released interval's width is a deterministic function of n (0.59915 at
 * n = 100, 0.59321 at n = 101, whatever the seed). Its guarantee object says only `{ kind: 'pure', epsilon }`
 * — no neighbouring relation — and `spendFrom` charges that ε to a `PrivacyBudget` like every add/remove
 * release. Under add/remove (the relation of every other statistic, the Session and the ledger) the two
 * neighbours' outputs have disjoint supports.
 *
 * This is review R2's rule (DP-SGD's q from `data.size`) in the statistics functions: a value a release
 * treats as public is public by DECLARATION (`size: n` given by the caller; rows beyond it dropped, missing
 * ones imputed), never `values.length`; or the guarantee states change-one and a budget of another relation
 * refuses it. Owner: sqlrun (stats).
 */
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { dpMean } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

/** The interval width of a mean whose size is declared public (100), over `n` rows. */
function width(n: number, seed: number): number {
  const r = dpMean(new Float64Array(n).fill(5), {
    bounds: [0, 10],
    budget: { epsilon: 1 },
    size: 100,
    rng: new SeededRandomSource(seed),
  } as Parameters<typeof dpMean>[1]);
  const iv = r.interval as { lower: number; upper: number };
  return iv.upper - iv.lower;
}

describe('review: a mean with a public size takes the size declared, never from the data', () => {
  it('regression (review S5, fixed by sqlrun 623d44f: declared size; was ε = ∞ on n): with the size declared (100), 100 and 101 rows give the same released width', () => {
    for (let seed = 1; seed <= 5; seed++) expect(width(100, seed)).toBeCloseTo(width(101, seed + 100), 9);
  });

  it('regression (review S5, fixed by sqlrun 623d44f): publicSize: true (the size read from values.length) is refused', () => {
    expect(() =>
      dpMean(new Float64Array(100).fill(5), { bounds: [0, 10], budget: { epsilon: 1 }, publicSize: true } as Parameters<typeof dpMean>[1]),
    ).toThrow(DpError);
  });
});
