/**
 * The streamed quantile sampler (src/stats/quantile-stream.ts): exactly the in-memory sampler's proposal (the
 * normaliser and every located try, checked exactly against `rankProposal`), its output law (χ²), the streamed
 * release against the in-memory one, and the class "rows held in Node after the charge grow with the data": a
 * release over 3·10⁶ distinct bins in one group, and over 10⁵ groups, completes under a 64 MiB heap while the
 * in-memory histogram of the same bins does not fit it.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rational } from '../../src/numeric/rational.js';
import { makeFineQuantileMeasurement, makeStreamedFineQuantile } from '../../src/stats/quantile-selection.js';
import { coarsenBins, proposalRule, rankProposal, type SparseBins, sparseFromDense } from '../../src/stats/quantile-sparse.js';
import {
  type BinPass,
  countAndCoarsen,
  countAndCoarsenGroups,
  type GroupBinPass,
  locateTries,
  sampleRankSelectionStreamed,
  sampleRankSelectionsStreamed,
} from '../../src/stats/quantile-stream.js';
import { chiSquareTest } from '../../src/testing/distribution-tests.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

/** A pass over a sparse histogram held by the test (the sampler keeps none of it). */
function passOf(s: SparseBins): BinPass {
  return async (sink) => {
    s.index.forEach((i, k) => {
      sink.add(i, s.count[k] as bigint);
    });
  };
}

/** A sparse histogram on `bins` bins: non-empty bins spread with random gaps (up to 2⁵² bins). */
const sparse = fc
  .tuple(
    fc.constantFrom(2, 7, 100, 2 ** 32, 2 ** 52),
    fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.bigInt({ min: 1n, max: 6n })), { maxLength: 30 }),
  )
  .map(([bins, cells]): SparseBins => {
    const byBin = new Map<number, bigint>();
    for (const [u, c] of cells) {
      const b = Math.min(bins - 1, Math.floor(u * bins));
      byBin.set(b, (byBin.get(b) ?? 0n) + c);
    }
    const index = [...byBin.keys()].sort((a, b) => a - b);
    return { bins, index, count: index.map((i) => byBin.get(i) as bigint) };
  });

describe('streamed sampler: exactly the in-memory proposal', () => {
  it('generative: the normaliser is rankProposal’s total and every uniform is located in the candidate the binary search finds, with its exponent and exact cost (fast-check, seed 31)', async () => {
    await fc.assert(
      fc.asyncProperty(
        sparse,
        fc.constantFrom(0, 0.1, 0.5, 0.9, 1, 1 / 3),
        fc.tuple(fc.bigInt({ min: 1n, max: 50n }), fc.bigInt({ min: 1n, max: 20n })),
        fc.bigInt({ min: 0n, max: 30n }),
        fc.boolean(),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 200n }), { minLength: 1, maxLength: 20 }),
        async (s, q, [fn, fd], padRaw, padded, raw) => {
          const pad = padded ? padRaw + 1n : 0n;
          const n = s.count.reduce((a, b) => a + b, 0n);
          const target = Rational.fromNumber(q).mul(Rational.of(n));
          const factor = Rational.of(fn, fd);
          const p = rankProposal(s, target, factor, pad, padded);
          const total = p.cumulative[p.cumulative.length - 1] as bigint;
          const rule = proposalRule(s.bins, target, factor, pad);
          const us = raw.map((u) => u % total);
          const found = await locateTries(passOf(s), s.bins, pad, padded, rule, total, us);
          us.forEach((u, j) => {
            let i = 0;
            while ((p.cumulative[i] as bigint) <= u) i++;
            const f = found[j];
            expect(f?.first).toBe(p.first[i]);
            expect(f?.size).toBe(p.size[i]);
            expect(f?.exponent).toBe(p.exponent[i]);
            expect(rule.cost(f?.distance as bigint).equals(p.cost(i))).toBe(true);
          });
          // A pass whose normaliser differs from the first's is refused, never sampled from.
          const fewer: SparseBins = { ...s, index: s.index.slice(1), count: s.count.slice(1) };
          const fewerTotal = rankProposal(fewer, target, factor, pad, padded).cumulative.at(-1);
          if (fewerTotal !== total)
            await expect(locateTries(passOf(fewer), s.bins, pad, padded, rule, total, us)).rejects.toMatchObject({ code: 'INTERNAL' });
        },
      ),
      { seed: 31, numRuns: 200 },
    );
  });

  it('generative: pass 0 gives n and exactly coarsenBins’ histogram (≤ 4,096 coarse bins on the fine grid) (fast-check, seed 32)', async () => {
    await fc.assert(
      fc.asyncProperty(sparse, async (s) => {
        const group = Math.ceil(s.bins / 4096);
        const { n, coarse } = await countAndCoarsen(passOf(s), s.bins, group);
        expect(n).toBe(s.count.reduce((a, b) => a + b, 0n));
        expect(coarse).toEqual(coarsenBins(s, group));
        expect(coarse.bins).toBeLessThanOrEqual(4096);
      }),
      { seed: 32, numRuns: 200 },
    );
  });

  it('refuses bins out of order or a count < 1 (the walker’s check)', async () => {
    const rule = proposalRule(10, Rational.ONE, Rational.ONE, 0n);
    const bad = async (sink: { add(b: number, c: bigint): void }) => {
      sink.add(3, 1n);
      sink.add(3, 1n);
    };
    await expect(
      sampleRankSelectionStreamed(bad, 10, Rational.ONE, Rational.ONE, 0n, false, new SeededRandomSource(1)),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
    });
    await expect(locateTries(async (sink) => sink.add(2, 0n), 10, 0n, false, rule, 1n, [0n])).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
    });
  });
});

describe('streamed sampler: one live group', () => {
  it('generative: a pass that feeds a group again after another group started is refused (INVALID_PARAMETER), at any pass (fast-check, seed 34)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 6 }), fc.nat(), fc.nat(), async (groups, a, b) => {
        const g = a % groups;
        const h = (g + 1 + (b % (groups - 1))) % groups;
        const pass: GroupBinPass = async (sink) => {
          sink.add(g, 0, 1n);
          sink.add(h, 0, 1n);
          sink.add(g, 1, 1n);
        };
        const p = makeStreamedFineQuantile({ bounds: [0, 10], quantile: 0.5, budget: { epsilon: 1 } }, 10);
        await expect(p.releaseGroups(pass, groups, new SeededRandomSource(b))).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
      }),
      { seed: 34, numRuns: 50 },
    );
  });
});

describe('streamed sampler: the coarse histogram lives only while its group streams by (review stop 23 first, class 11)', () => {
  it('generative: pass 0 hands each group its n and exactly coarsenBins’ histogram at its close, before any other group’s bin, and keeps only n; the ends are drawn in pass 0 (fast-check, seed 35)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sparse, { minLength: 1, maxLength: 5 }).chain((hists) =>
          fc.tuple(
            fc.constant(hists),
            fc.shuffledSubarray(
              hists.map((_, g) => g),
              { minLength: 0, maxLength: hists.length },
            ),
          ),
        ),
        fc.nat(),
        async ([hists, order], seed) => {
          // One grid for all the groups (as one statement's); each group's bins folded onto it.
          const bins = hists[0]?.bins as number;
          const onGrid = hists.map((h): SparseBins => {
            const m = new Map<number, bigint>();
            h.index.forEach((i, k) => {
              const b = Math.min(bins - 1, i);
              m.set(b, (m.get(b) ?? 0n) + (h.count[k] as bigint));
            });
            const index = [...m.keys()].sort((a, b) => a - b);
            return { bins, index, count: index.map((i) => m.get(i) as bigint) };
          });
          const group = Math.ceil(bins / 4096);
          // What the pass feeds: the groups in `order` (a group it does not feed has no bins).
          const fedHist = (g: number): SparseBins => (order.includes(g) ? (onGrid[g] as SparseBins) : { bins, index: [], count: [] });
          const events: string[] = [];
          const pass: GroupBinPass = async (sink) => {
            for (const g of order) {
              const s = onGrid[g] as SparseBins;
              s.index.forEach((i, k) => {
                sink.add(g, i, s.count[k] as bigint);
                events.push(`bin ${g}`); // logged once the bin is taken (a group closes when the next one's first bin comes)
              });
            }
          };
          const handed = new Map<number, SparseBins>();
          const r = await countAndCoarsenGroups(pass, onGrid.length, bins, group, (g, n, coarse) => {
            events.push(`coarse ${g}`);
            expect(n).toBe(fedHist(g).count.reduce((a, b) => a + b, 0n));
            handed.set(g, coarse);
          });
          expect(Object.keys(r)).toEqual(['n']);
          onGrid.forEach((_, g) => {
            expect(handed.get(g)).toEqual(coarsenBins(fedHist(g), group));
            expect(r.n[g]).toBe(fedHist(g).count.reduce((a, b) => a + b, 0n));
          });
          // A group's coarse histogram is handed on before the next group's first bin: one live at a time.
          const fed = order.filter((g) => (onGrid[g] as SparseBins).index.length > 0);
          const expected = [
            ...fed.flatMap((g) => [...(onGrid[g] as SparseBins).index.map(() => `bin ${g}`), `coarse ${g}`]),
            ...onGrid.map((_, g) => g).flatMap((g) => (fed.includes(g) ? [] : [`coarse ${g}`])),
          ];
          expect(events).toEqual(expected);
          // releaseGroups with a share draws every group's ends during pass 0: randomness is used before pass 1 starts.
          let words = 0;
          const inner = new SeededRandomSource(seed);
          const rng = {
            isSeeded: true,
            nextUint32: () => {
              words++;
              return inner.nextUint32();
            },
            fill: (out: Uint32Array) => {
              words += out.length;
              inner.fill(out);
            },
          };
          const atPass: number[] = [];
          const counted: GroupBinPass = async (sink) => {
            atPass.push(words);
            await pass(sink);
          };
          const p = makeStreamedFineQuantile({ bounds: [0, 1], quantile: 0.5, budget: { epsilon: 1 }, intervalShare: 0.2 }, bins);
          await p.releaseGroups(counted, onGrid.length, rng);
          expect(atPass[0]).toBe(0);
          expect(atPass[1] as number).toBeGreaterThanOrEqual(2 * onGrid.length);
        },
      ),
      { seed: 35, numRuns: 60 },
    );
  });
});

describe('streamed sampler: output law', () => {
  it('median over 12 bins with gaps, p25 padded: χ² against the exact law, 3·10⁴ draws each (false-failure probability ≤ 2·1e-7 < 1e-6)', async () => {
    const cases: [bigint[], number, bigint, boolean][] = [
      [[0n, 0n, 3n, 0n, 1n, 0n, 0n, 0n, 4n, 0n, 0n, 2n], 0.5, 0n, false],
      [[1n, 0n, 0n, 2n, 0n, 5n, 0n, 0n], 0.25, 3n, true],
    ];
    for (const [counts, q, pad, padded] of cases) {
      const n = counts.reduce((a, b) => a + b, 0n);
      const target = Rational.fromNumber(q).mul(Rational.of(n));
      const factor = Rational.of(1n, 2n);
      const s = sparseFromDense(counts);
      // The exact law from the in-memory proposal: weight m·e^(−cost) per candidate, uniform inside it.
      const p = rankProposal(s, target, factor, pad, padded);
      const law = new Map<number, number>();
      p.first.forEach((first, i) => {
        for (let b = first; b < first + (p.size[i] as number); b++) law.set(b, Math.exp(-p.cost(i).toNumber()));
      });
      const tot = [...law.values()].reduce((a, b) => a + b, 0);
      const keys = [...law.keys()];
      const seen = new Map<number, number>(keys.map((k) => [k, 0]));
      const rng = new SeededRandomSource(`streamed-${q}`);
      for (let i = 0; i < 30_000; i++) {
        const b = await sampleRankSelectionStreamed(passOf(s), s.bins, target, factor, pad, padded, rng);
        seen.set(b, (seen.get(b) ?? Number.NaN) + 1);
      }
      const observed = keys.map((k) => seen.get(k) as number);
      expect(observed.every(Number.isInteger)).toBe(true);
      expect(
        chiSquareTest(
          observed,
          keys.map((k) => (law.get(k) as number) / tot),
          { alpha: 1e-7 },
        ).reject,
      ).toBe(false);
    }
  }, 60_000);

  it('several groups from one set of passes: each group’s bin has its exact law (χ², 3 groups × 2·10⁴ draws, false-failure probability ≤ 3·1e-7 < 1e-6), in 2 passes a draw', async () => {
    const hists = [
      [0n, 0n, 3n, 0n, 1n, 0n, 0n, 0n, 4n, 0n, 0n, 2n],
      [1n, 0n, 0n, 2n, 0n, 5n, 0n, 0n, 0n, 0n, 0n, 0n],
      [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
    ].map(sparseFromDense);
    const factor = Rational.of(1n, 2n);
    const targets = hists.map((s) =>
      Rational.of(
        s.count.reduce((a, b) => a + b, 0n),
        2n,
      ),
    );
    let passes = 0;
    // Groups fed one after another in an order other than their index (a (keys, bin)-ordered statement); group 2 has no bins.
    const pass: GroupBinPass = async (sink) => {
      passes++;
      for (const g of [1, 2, 0]) {
        const s = hists[g] as SparseBins;
        s.index.forEach((i, k) => {
          sink.add(g, i, s.count[k] as bigint);
        });
      }
    };
    const laws = hists.map((s, g) => {
      const p = rankProposal(s, targets[g] as Rational, factor, 0n, false);
      const law = new Map<number, number>();
      p.first.forEach((first, i) => {
        for (let b = first; b < first + (p.size[i] as number); b++) law.set(b, Math.exp(-p.cost(i).toNumber()));
      });
      return law;
    });
    const seen = laws.map((law) => new Map<number, number>([...law.keys()].map((k) => [k, 0])));
    const rng = new SeededRandomSource('streamed-groups');
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const bs = await sampleRankSelectionsStreamed(pass, 12, (g) => targets[g] as Rational, targets.length, factor, 0n, false, rng);
      for (const [g, b] of bs.entries()) seen[g]?.set(b, (seen[g]?.get(b) ?? Number.NaN) + 1);
    }
    expect(passes).toBe(2 * draws);
    laws.forEach((law, g) => {
      const keys = [...law.keys()];
      const tot = [...law.values()].reduce((a, b) => a + b, 0);
      const observed = keys.map((k) => seen[g]?.get(k) as number);
      expect(observed.every(Number.isInteger)).toBe(true);
      expect(
        chiSquareTest(
          observed,
          keys.map((k) => (law.get(k) as number) / tot),
          { alpha: 1e-7 },
        ).reject,
      ).toBe(false);
    });
  }, 120_000);

  it('makeStreamedFineQuantile: the measurement is the fine one (same map), the release is in bounds, integer when declared, and its interval holds it (fast-check, seed 33)', async () => {
    await fc.assert(
      fc.asyncProperty(
        sparse,
        fc.constantFrom(0, 0.5, 0.9),
        fc.constantFrom(0, 0.2),
        fc.boolean(),
        fc.nat(),
        async (s, q, share, integer, seed) => {
          const bounds = [-3, 1e6] as const;
          const p = { bounds, quantile: q, budget: { epsilon: 1 }, intervalShare: share, integer };
          const streamed = makeStreamedFineQuantile(p, s.bins);
          expect(streamed.measurement.privacyMap(1)).toEqual(makeFineQuantileMeasurement(p, s.bins).privacyMap(1));
          const r = await streamed.release(passOf(s), new SeededRandomSource(seed));
          expect(r.value >= bounds[0] && r.value <= bounds[1]).toBe(true);
          if (integer) expect(Number.isInteger(r.value)).toBe(true);
          expect(r.interval.lower <= r.value && r.value <= r.interval.upper).toBe(true);
        },
      ),
      { seed: 33, numRuns: 60 },
    );
  });
});

/** Runs a script in a child Node with a small heap: its exit code and last output line. */
function runWithHeap(mb: number, script: string, vars: Record<string, string>): { code: number; out: string } {
  try {
    const out = execFileSync(process.execPath, [`--max-old-space-size=${mb}`, '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, ...vars },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });
    return { code: 0, out: out.trim().split('\n').pop() ?? '' };
  } catch (e) {
    const err = e as { status?: number | null; signal?: string | null };
    return { code: err.status ?? (err.signal ? 128 : 1), out: '' };
  }
}

describe('class: rows held in Node after the charge grow with the data (review S64)', () => {
  const release = `
    import { makeStreamedFineQuantile } from './src/stats/quantile-selection.ts';
    import { SeededRandomSource } from './src/testing/seeded-source.ts';
    const distinct = Number(process.env.DISTINCT), groups = Number(process.env.GROUPS);
    const rng = new SeededRandomSource(7);
    const r = makeStreamedFineQuantile({ bounds: [0, 2 ** 32], quantile: 0.5, budget: { epsilon: 1 }, intervalShare: 0.2 });
    let last;
    for (let g = 0; g < groups; g++) {
      // one pass: the bins generated, never held (the engine's chunks in SQL)
      const pass = async (sink) => { for (let i = 0; i < distinct; i++) sink.add(g + i * 1000, 1n); };
      last = await r.release(pass, rng);
    }
    console.log(JSON.stringify(last.value));`;
  const inMemory = `
    import { sparseFromRowBins } from './src/stats/quantile-sparse.ts';
    const distinct = Number(process.env.DISTINCT);
    const held = [];
    for (let k = 0; k < 2; k++) { const b = new Float64Array(distinct); for (let i = 0; i < distinct; i++) b[i] = i * 1000; held.push(sparseFromRowBins(b, 2 ** 32)); }
    console.log(held.length);`;

  it('3·10⁶ distinct bins in one group, then 10⁵ groups: the streamed release completes under a 64 MiB heap; holding the histogram does not (control)', () => {
    const one = runWithHeap(64, release, { DISTINCT: '3000000', GROUPS: '1' });
    const many = runWithHeap(64, release, { DISTINCT: '3', GROUPS: '100000' });
    const held = runWithHeap(64, inMemory, { DISTINCT: '3000000' });
    expect(one.code).toBe(0);
    expect(Number.isFinite(Number(one.out))).toBe(true);
    expect(many.code).toBe(0);
    expect(held.code).not.toBe(0);
  }, 600_000);
});
