import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalIterationsFor, roundIterationsFor } from '../../src/synth/aim.js';
import {
  calibrate,
  calibratedCounts,
  cliqueMarginals,
  expFactor,
  modelStructure,
  projectBeliefs,
} from '../../src/synth/belief-propagation.js';
import { estimate } from '../../src/synth/estimation.js';
import { cellCount, type Factor, smallestHolding, sumProject, zeroFactor } from '../../src/synth/factor.js';
import { buildJunctionTree, minFillElimination } from '../../src/synth/junction-tree.js';

/** The joint table ∝ exp(Σ potentials), normalised to `total`, by enumeration. */
function bruteJoint(sizes: number[], potentials: Factor[], total: number): Factor {
  const all = sizes.map((_, i) => i);
  const joint = zeroFactor(all, sizes);
  const n = joint.values.length;
  const x = new Array<number>(sizes.length).fill(0);
  for (let i = 0; i < n; i++) {
    let rest = i;
    for (let a = sizes.length - 1; a >= 0; a--) {
      x[a] = rest % (sizes[a] as number);
      rest = Math.floor(rest / (sizes[a] as number));
    }
    let s = 0;
    for (const p of potentials) {
      let j = 0;
      for (let k = 0; k < p.attrs.length; k++) j = j * (p.shape[k] as number) + (x[p.attrs[k] as number] as number);
      s += p.values[j] as number;
    }
    joint.values[i] = Math.exp(s);
  }
  const z = joint.values.reduce((t, v) => t + v, 0);
  for (let i = 0; i < n; i++) joint.values[i] = ((joint.values[i] as number) * total) / z;
  return joint;
}

const smallModel = fc
  .record({
    sizes: fc.array(fc.integer({ min: 2, max: 3 }), { minLength: 2, maxLength: 6 }),
    cliqueSeeds: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
    seed: fc.integer(),
  })
  .map(({ sizes, cliqueSeeds, seed }) => {
    const cliques = cliqueSeeds.map((c) => [...new Set(c.map((a) => a % sizes.length))].sort((a, b) => a - b));
    let s = seed >>> 0;
    const next = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const model = modelStructure(sizes, [...cliques, ...sizes.map((_, a) => [a])]);
    const potentials = model.cliques.map((c) => {
      const f = zeroFactor(c, sizes);
      for (let i = 0; i < f.values.length; i++) f.values[i] = 4 * next() - 2;
      return f;
    });
    return { sizes, model, potentials };
  });

describe('junction tree', () => {
  it('has the running-intersection property and covers every clique (generative)', () => {
    fc.assert(
      fc.property(smallModel, ({ model }) => {
        const { tree } = model;
        for (const c of model.cliques) expect(tree.cliques.some((t) => c.every((a) => t.includes(a)))).toBe(true);
        // Each attribute's cliques form a connected subtree: exactly one of them has its parent outside the set.
        for (let a = 0; a < model.sizes.length; a++) {
          const holding = tree.cliques.map((t, i) => (t.includes(a) ? i : -1)).filter((i) => i >= 0);
          const roots = holding.filter((i) => {
            const p = tree.parent[i] as number;
            return p < 0 || !(tree.cliques[p] as number[]).includes(a);
          });
          expect(roots.length).toBe(1);
        }
      }),
      { numRuns: 200, seed: 14 },
    );
  });

  it('keeps the smaller of the min-fill and min-weight triangulations (generative)', () => {
    fc.assert(
      fc.property(smallModel, ({ sizes, model }) => {
        const cells = (rule: 'min-fill' | 'min-weight') => {
          const created = minFillElimination(sizes, model.cliques, rule).created;
          const maximal = created.filter(
            (c, i) => !created.some((o, j) => j !== i && c.every((a) => o.includes(a)) && (o.length > c.length || j < i)),
          );
          return maximal.reduce((t, c) => t + cellCount(c.map((a) => sizes[a] as number)), 0);
        };
        expect(buildJunctionTree(sizes, model.cliques).size).toBe(Math.min(cells('min-fill'), cells('min-weight')));
      }),
      { numRuns: 200, seed: 15 },
    );
  });

  it('triangulates a 4-cycle with one chord', () => {
    const tree = buildJunctionTree(
      [2, 2, 2, 2],
      [
        [0, 1],
        [1, 2],
        [2, 3],
        [0, 3],
      ],
    );
    expect(tree.cliques.length).toBe(2);
    expect(tree.cliques.every((c) => c.length === 3)).toBe(true);
  });
});

describe('belief propagation', () => {
  it('gives the brute-force marginals of random small models to 1e-9 (generative)', () => {
    fc.assert(
      fc.property(smallModel, ({ sizes, model, potentials }) => {
        const total = 1000;
        const joint = bruteJoint(sizes, potentials, total);
        const marginals = cliqueMarginals(model, potentials, total);
        model.cliques.forEach((c, r) => {
          const exact = sumProject(joint, c);
          const got = marginals[r] as Factor;
          for (let i = 0; i < exact.values.length; i++) {
            expect(Math.abs((got.values[i] as number) - (exact.values[i] as number))).toBeLessThan(1e-9 * total);
          }
        });
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('belief propagation: where a clique lives', () => {
  // The rule the cheaper homes rest on: on a calibrated tree, every junction-tree clique that holds a set of
  // attributes gives the same marginal of it, so a model clique may live in (and be read from) the smallest one.
  it('every junction-tree clique holding a set of attributes gives the same marginal of it; homes are the smallest (generative)', () => {
    fc.assert(
      fc.property(smallModel, ({ sizes, model, potentials }) => {
        const total = 1000;
        const counts = calibratedCounts(model, potentials, total);
        model.cliques.forEach((c, r) => {
          expect(model.home[r]).toBe(smallestHolding(model.tree.cliques, sizes, c));
        });
        for (const t of model.tree.cliques)
          for (let mask = 1; mask < 1 << t.length; mask++) {
            const attrs = t.filter((_, i) => mask & (1 << i));
            const holding = model.tree.cliques.map((u, i) => (attrs.every((a) => u.includes(a)) ? i : -1)).filter((i) => i >= 0);
            const reference = sumProject(counts[holding[0] as number] as Factor, attrs).values;
            for (const i of holding) {
              const other = sumProject(counts[i] as Factor, attrs).values;
              for (let j = 0; j < reference.length; j++)
                expect(Math.abs((other[j] as number) - (reference[j] as number))).toBeLessThan(1e-9 * total);
            }
            const projected = projectBeliefs(model, counts, attrs)?.values ?? new Float64Array(0);
            expect(projected.length).toBe(reference.length);
            for (let j = 0; j < reference.length; j++)
              expect(Math.abs((projected[j] as number) - (reference[j] as number))).toBeLessThan(1e-9 * total);
          }
      }),
      { numRuns: 150, seed: 16 },
    );
  });

  it('smallestHolding returns a set holding the attributes with the fewest cells, −1 when none holds them (generative)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.array(fc.nat(), { maxLength: 4 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (sizes, rawSets, rawAttrs) => {
          const sets = rawSets.map((c) => [...new Set(c.map((a) => a % sizes.length))]);
          const attrs = [...new Set(rawAttrs.map((a) => a % sizes.length))];
          const cells = (c: readonly number[]) => cellCount(c.map((a) => sizes[a] as number));
          const holding = sets.filter((c) => attrs.every((a) => c.includes(a)));
          const i = smallestHolding(sets, sizes, attrs);
          if (holding.length === 0) expect(i).toBe(-1);
          else {
            expect(attrs.every((a) => (sets[i] as number[]).includes(a))).toBe(true);
            expect(cells(sets[i] as number[])).toBe(Math.min(...holding.map(cells)));
          }
        },
      ),
      { numRuns: 300, seed: 18 },
    );
  });

  it('the calibrated counts are exp of the calibrated log-beliefs (generative)', () => {
    fc.assert(
      fc.property(smallModel, ({ model, potentials }) => {
        const total = 777;
        const counts = calibratedCounts(model, potentials, total);
        const viaLogs = calibrate(model, potentials, total).map(expFactor);
        counts.forEach((f, i) => {
          const g = (viaLogs[i] as Factor).values;
          for (let j = 0; j < f.values.length; j++) expect(Math.abs((f.values[j] as number) - (g[j] as number))).toBeLessThan(1e-9 * total);
        });
      }),
      { numRuns: 150, seed: 17 },
    );
  });

  it('smallestHolding picks the fewest cells among the sets holding the attributes, −1 when none does', () => {
    const sizes = [5, 2, 3, 7];
    const sets = [
      [0, 1, 2],
      [1, 2],
      [1, 2, 3],
      [0, 3],
    ];
    expect(smallestHolding(sets, sizes, [1, 2])).toBe(1);
    expect(smallestHolding(sets, sizes, [1])).toBe(1);
    expect(smallestHolding(sets, sizes, [0])).toBe(0); // 30 cells against 35
    expect(smallestHolding(sets, sizes, [3])).toBe(3); // 35 cells against 42
    expect(smallestHolding(sets, sizes, [0, 2, 3])).toBe(-1);
  });
});

describe('estimation', () => {
  it('recovers the exact marginals from noiseless measurements of a tree model (generative)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 2, max: 3 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 81, maxLength: 81 }),
        (sizes, counts) => {
          // A chain 0–1–2–…: a data set's chain marginals are consistent, and the chain model can match them all.
          const all = sizes.map((_, i) => i);
          const joint = zeroFactor(all, sizes);
          for (let i = 0; i < joint.values.length; i++) joint.values[i] = counts[i % counts.length] as number;
          const total = joint.values.reduce((t, v) => t + v, 0);
          const cliques = sizes.slice(1).map((_, i) => [i, i + 1]);
          const measurements = cliques.map((c) => {
            const m = sumProject(joint, c);
            return { attrs: c, values: m.values, weights: new Float64Array(m.values.length).fill(1) };
          });
          const fit = estimate(sizes, measurements, { iterations: 3000, accelerate: sizes.length % 2 === 0 });
          expect(Math.abs(fit.total - total)).toBeLessThan(1e-6 * total);
          const mu = cliqueMarginals(fit.model, fit.potentials, fit.total);
          for (const m of measurements) {
            const r = fit.model.cliques.findIndex((c) => m.attrs.every((a) => c.includes(a)));
            const got = sumProject(mu[r] as Factor, m.attrs);
            for (let i = 0; i < m.values.length; i++)
              expect(Math.abs((got.values[i] as number) - (m.values[i] as number))).toBeLessThan(1e-3 * total);
          }
          expect(cellCount(sizes)).toBe(joint.values.length);
        },
      ),
      { numRuns: 8, seed: 3 },
    );
  });
});

describe('sampling counts', () => {
  it('forward sampling with deterministic rounding: every pair count within 2 of n·p (generative)', async () => {
    const { sampleModel } = await import('../../src/synth/sample.js');
    const { SeededRandomSource } = await import('../../src/random/seeded-source.js');
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.nat(),
        (s0, s1, raw, rows, seed) => {
          const sizes = [s0, s1];
          const model = modelStructure(sizes, [[0, 1]]);
          const potentials = model.cliques.map((c) => {
            const f = zeroFactor(c, sizes);
            for (let i = 0; i < f.values.length; i++) f.values[i] = raw[i % raw.length] as number;
            return f;
          });
          const joint = bruteJoint(sizes, potentials, rows);
          const [a, b] = sampleModel(model, potentials, rows, new SeededRandomSource(seed)) as [Int32Array, Int32Array];
          expect(a.length).toBe(rows);
          const counts = new Float64Array(s0 * s1);
          for (let r = 0; r < rows; r++) {
            const k = (a[r] as number) * s1 + (b[r] as number);
            counts[k] = (counts[k] as number) + 1;
          }
          for (let i = 0; i < counts.length; i++) expect(Math.abs((counts[i] as number) - (joint.values[i] as number))).toBeLessThan(2);
        },
      ),
      { numRuns: 30, seed: 12 },
    );
  });
});

describe('estimation: accelerated mirror descent', () => {
  // Noisy (inconsistent) measurements of a chain model: a convex problem whose minimum value is unique.
  const noisyChain = fc
    .record({
      sizes: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 2, maxLength: 4 }),
      counts: fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 64, maxLength: 64 }),
      noise: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 64, maxLength: 64 }),
      sigma: fc.constantFrom(0.3, 1, 10),
    })
    .map(({ sizes, counts, noise, sigma }) => {
      const all = sizes.map((_, i) => i);
      const joint = zeroFactor(all, sizes);
      for (let i = 0; i < joint.values.length; i++) joint.values[i] = counts[i % counts.length] as number;
      let k = 0;
      const measurements = [...all.map((a) => [a]), ...sizes.slice(1).map((_, i) => [i, i + 1])].map((c) => {
        const m = sumProject(joint, c);
        const values = m.values.map((v) => v + sigma * (noise[k++ % noise.length] as number));
        return { attrs: c, values, weights: new Float64Array(values.length).fill(1 / sigma) };
      });
      return { sizes, measurements };
    });

  it('every accepted step lowers the loss: more iterations never end higher, with or without momentum (generative)', () => {
    fc.assert(
      fc.property(noisyChain, fc.boolean(), ({ sizes, measurements }, accelerate) => {
        // The runs share their first steps (the iteration is deterministic), so the losses must not increase.
        const losses = [0, 10, 40, 150].map((iterations) => estimate(sizes, measurements, { iterations, accelerate }).loss);
        for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1] as number);
      }),
      { numRuns: 10, seed: 7 },
    );
  });

  it('an early stop (tolerance) ends no lower than the full run and no higher than the stop rule allows (generative)', () => {
    fc.assert(
      fc.property(noisyChain, ({ sizes, measurements }) => {
        const full = estimate(sizes, measurements, { iterations: 300 }).loss;
        const early = estimate(sizes, measurements, { iterations: 300, tolerance: 1e-4 }).loss;
        const none = estimate(sizes, measurements, { iterations: 300, tolerance: 0 }).loss;
        expect(none).toBe(full); // tolerance 0 is the default: every iteration runs
        expect(early).toBeGreaterThanOrEqual(full); // the same deterministic path, cut short
        expect(early).toBeLessThanOrEqual(estimate(sizes, measurements, { iterations: 10 }).loss); // at least 10 steps taken, or converged
      }),
      { numRuns: 10, seed: 8 },
    );
  });

  it("AIM's round iteration cap: 100 up to 1e5 cells, then non-increasing, never under 20 (generative)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), (a, b) => {
        const [x, y] = [roundIterationsFor(Math.min(a, b)), roundIterationsFor(Math.max(a, b))];
        expect(x >= y && y >= 20 && x <= 100).toBe(true);
        if (Math.min(a, b) <= 1e5) expect(x).toBe(100);
      }),
    );
  });

  it("AIM's final-fit iterations: 1000 up to 1e5 cells, then non-increasing, never under 200 (generative)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), (a, b) => {
        const [x, y] = [finalIterationsFor(Math.min(a, b)), finalIterationsFor(Math.max(a, b))];
        expect(x >= y && y >= 200 && x <= 1000).toBe(true);
        if (Math.min(a, b) <= 1e5) expect(x).toBe(1000);
      }),
    );
  });

  it('refuses a non-boolean accelerate, a bad iteration count and a bad tolerance with INVALID_PARAMETER', () => {
    const m = [{ attrs: [0], values: new Float64Array([1, 2]), weights: new Float64Array([1, 1]) }];
    for (const options of [
      { accelerate: 'yes' },
      { iterations: -1 },
      { iterations: 1.5 },
      { iterations: Number.NaN },
      { tolerance: -1 },
      { tolerance: Number.NaN },
      { tolerance: Number.POSITIVE_INFINITY },
      { tolerance: '0.1' },
    ]) {
      expect(() => estimate([2], m, options as never)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    }
  });
});
