import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError, PrivacyBudget, zcdp, zcdpToApproximate } from '../../src/core/index.js';
import { Rational } from '../../src/numeric/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { buildDomain, encodeRecords, meanTvd, type SynthSchema, synthesize, workloadErrors } from '../../src/synth/index.js';
import { measureMarginal, rhoForEpsilonDelta, sigmaSquaredForRho, ZcdpFilter } from '../../src/synth/measure.js';
import { roundedColumn } from '../../src/synth/sample.js';

const schema: SynthSchema = {
  columns: [
    { name: 'a', type: 'categorical', categories: ['x', 'y', 'z'] },
    { name: 'b', type: 'integer', min: 0, max: 3 },
    { name: 'c', type: 'categorical', categories: ['p', 'q'] },
  ],
};

/** 3000 records where b follows a and c follows b (strong pair structure). */
function correlated(n: number): Record<string, string | number>[] {
  const out: Record<string, string | number>[] = [];
  for (let i = 0; i < n; i++) {
    const a = i % 3;
    const b = (a + (i % 7 === 0 ? 1 : 0)) % 4;
    const c = b >= 2 ? 'q' : 'p';
    out.push({ a: ['x', 'y', 'z'][a] as string, b, c });
  }
  return out;
}

async function expectCodeAsync(f: () => Promise<unknown>, code: string) {
  try {
    await f();
  } catch (e) {
    expect(isDpError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

function expectCode(f: () => unknown, code: string) {
  try {
    f();
  } catch (e) {
    expect(isDpError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('domain', () => {
  it('refuses a column with no public domain', () => {
    expectCode(() => buildDomain({ columns: [{ name: 'a', type: 'categorical', categories: [] }] }), 'INVALID_SCHEMA');
    expectCode(() => buildDomain({ columns: [{ name: 'n', type: 'number', min: 0, max: 1 }] }), 'INVALID_SCHEMA');
    expectCode(() => buildDomain({ columns: [{ name: 'f', type: 'free' } as never] }), 'INVALID_SCHEMA');
    expectCode(() => buildDomain({ columns: [{ name: 'i', type: 'integer', min: 0, max: Number.POSITIVE_INFINITY }] }), 'INVALID_SCHEMA');
  });

  it('encodes any value into the domain without throwing (generative)', () => {
    const domain = buildDomain({ columns: [...schema.columns, { name: 'r', type: 'number', min: -1, max: 1, bins: 5 }] });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'r'), fc.anything()), fc.anything()), { maxLength: 20 }),
        (records) => {
          const cols = encodeRecords(domain, records as never);
          cols.forEach((col, j) => {
            for (const v of col) expect(v >= 0 && v < (domain.sizes[j] as number)).toBe(true);
          });
        },
      ),
      { numRuns: 200, seed: 1 },
    );
  });
});

describe('measurement', () => {
  it('adds discrete Gaussian noise of the planned variance (fixed seed; failure probability ≤ 1e-6)', () => {
    // 20 000 cells of count 0 at σ² = 4: the sample mean's sd is 0.0141 and the sample variance's ≈ 0.040;
    // the bounds are 5.5 sds (two-sided normal tail 3.8e-8 each, with the fourth moment of the discrete Gaussian).
    const filter = new ZcdpFilter(Rational.ONE);
    const n = 20_000;
    const columns = [new Int32Array(0)];
    const m = measureMarginal(columns, [n], [0], Rational.of(4n), filter, new SeededRandomSource(99));
    const mean = m.values.reduce((t, v) => t + v, 0) / n;
    const variance = m.values.reduce((t, v) => t + (v - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(0.078);
    expect(Math.abs(variance - 4)).toBeLessThan(0.22);
    expect(m.values.every((v) => Number.isInteger(v))).toBe(true);
    expect(filter.spent.equals(Rational.of(1n, 8n))).toBe(true);
  });

  it('refuses a piece that would pass the planned total', () => {
    const filter = new ZcdpFilter(Rational.of(1n, 10n));
    expectCode(() => measureMarginal([new Int32Array(1)], [2], [0], Rational.of(1n), filter, new SeededRandomSource(1)), 'INTERNAL');
    expect(filter.spent.isZero()).toBe(true);
  });

  it('calibrates ρ so that its CKS conversion meets (ε, δ), and 1/(2σ²) ≤ ρ exactly (generative)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 20, noNaN: true }), fc.integer({ min: 3, max: 12 }), (epsilon, k) => {
        const delta = 10 ** -k;
        const rho = rhoForEpsilonDelta(epsilon, delta);
        expect(zcdpToApproximate(zcdp(rho), delta).epsilon).toBeLessThanOrEqual(epsilon);
        // Tight against the conversion a fresh (ε, δ) budget makes for its first ρ (the ledger's pin: at δ/2).
        expect(zcdpToApproximate(zcdp(rho), delta / 2).epsilon).toBeLessThanOrEqual(epsilon);
        expect(zcdpToApproximate(zcdp(rho * 1.001), delta / 2).epsilon).toBeGreaterThan(epsilon * 0.999);
        const s2 = sigmaSquaredForRho(rho / 7);
        expect(Rational.ONE.div(s2.mul(Rational.of(2n))).le(Rational.fromNumber(rho / 7))).toBe(true);
      }),
      { numRuns: 40, seed: 5 },
    );
  });
});

describe('sampling', () => {
  it('rounds counts deterministically: each value ⌊t·p⌋ or ⌈t·p⌉ times, t in all (generative)', () => {
    const rng = new SeededRandomSource(3);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 500 }),
        (counts, total) => {
          const out = roundedColumn(counts, total, rng);
          expect(out.length).toBe(total);
          const sum = counts.reduce((t, v) => t + v, 0);
          const got = new Array<number>(counts.length).fill(0);
          for (const v of out) got[v] = (got[v] as number) + 1;
          counts.forEach((c, v) => {
            const want = sum > 0 ? (c * total) / sum : total / counts.length;
            expect(got[v]).toBeGreaterThanOrEqual(Math.floor(want - 1e-9));
            expect(got[v]).toBeLessThanOrEqual(Math.ceil(want + 1e-9));
          });
        },
      ),
      { numRuns: 200, seed: 2 },
    );
  });
});

describe('synthesize', () => {
  const data = correlated(3000);

  for (const method of ['mst', 'aim', 'mwem'] as const) {
    it(`${method}: charges the budget exactly the privacy map's ρ and states the (ε, δ) it implies`, async () => {
      const budget = PrivacyBudget.approximate(2, 1e-6);
      const out = await synthesize({
        data,
        schema,
        epsilon: 1,
        delta: 1e-6,
        method,
        rows: 500,
        budget,
        rng: new SeededRandomSource(11),
        iterations: 200,
      });
      expect(out.records.length).toBe(500);
      expect(out.budget?.spentExact.rho.equals(out.guarantee.loss.rho)).toBe(true);
      expect(out.guarantee.loss.rho.toNumber()).toBe(out.guarantee.rho);
      // The pieces spent (discrete Gaussians 1/(2σ²), exponential-mechanism selections ε²/8) add up to at most the charge.
      const spent = out.events.reduce((t, e) => {
        if (e.type === 'discreteGaussian') return t.add(Rational.ONE.div(Rational.fromNumber(e.sigma ** 2).mul(Rational.of(2n))));
        if (e.type === 'exponential') return t.add(Rational.fromNumber(e.epsilon).mul(Rational.fromNumber(e.epsilon)).div(Rational.of(8n)));
        throw new Error(`unexpected event ${e.type}`);
      }, Rational.ZERO);
      expect(spent.toNumber()).toBeLessThanOrEqual(out.guarantee.rho * (1 + 1e-12));
      expect(out.guarantee.epsilon).toBeLessThanOrEqual(1);
      expect(out.notForRelease).toBe(true);
      const noisy = out.events.filter((e) => e.type === 'discreteGaussian').length;
      expect(noisy).toBeGreaterThanOrEqual(3);
      for (const r of out.records) {
        expect(['x', 'y', 'z']).toContain(r.a);
        expect([0, 1, 2, 3]).toContain(r.b);
      }
    });

    it(`${method}: reproduces the pair structure at ε = 5 (fixed seed; failure probability ≤ 1e-6)`, async () => {
      // σ of each measured cell is below 6 here while counts are ~1000: a 2-way TVD over 0.15 needs noise of over 40σ.
      const out = await synthesize({
        data,
        schema,
        epsilon: 5,
        delta: 1e-6,
        method,
        rows: 3000,
        rng: new SeededRandomSource(12),
        iterations: 300,
      });
      const domain = buildDomain(schema);
      const err = meanTvd(workloadErrors(encodeRecords(domain, data), encodeRecords(domain, out.records), domain.sizes, domain.names, 2));
      expect(err).toBeLessThan(0.15);
    });
  }

  it('refuses before reading the data when the budget cannot pay', async () => {
    let read = false;
    const data = new Proxy([{ a: 'x', b: 0, c: 'p' }], {
      get(target, key, receiver) {
        if (key === '0') read = true;
        return Reflect.get(target, key, receiver);
      },
    });
    const budget = PrivacyBudget.approximate(0.5, 1e-6);
    await expectCodeAsync(() => synthesize({ data, schema, epsilon: 1, delta: 1e-6, method: 'mst', budget }), 'BUDGET_EXHAUSTED');
    expect(read).toBe(false);
    expect(budget.spentExact.rho.isZero()).toBe(true);
  });

  it('refuses bad options with INVALID_PARAMETER', async () => {
    await expectCodeAsync(() => synthesize({ data: [], schema, epsilon: 1, delta: 1e-6, method: 'gan' as never }), 'INVALID_PARAMETER');
    await expectCodeAsync(() => synthesize({ data: [], schema, epsilon: -1, delta: 1e-6, method: 'mst' }), 'INVALID_PARAMETER');
    await expectCodeAsync(() => synthesize({ data: [], schema, epsilon: 1, delta: 1, method: 'mst' }), 'INVALID_PARAMETER');
    await expectCodeAsync(() => synthesize({ data: [], schema, epsilon: 1, delta: 1e-6, method: 'mst', rows: 1.5 }), 'INVALID_PARAMETER');
  });

  it('is deterministic under a seeded source', async () => {
    const run = async () =>
      (
        await synthesize({
          data: data.slice(0, 300),
          schema,
          epsilon: 1,
          delta: 1e-6,
          method: 'mst',
          rows: 50,
          rng: new SeededRandomSource(4),
          iterations: 50,
        })
      ).records;
    expect(await run()).toEqual(await run());
  });
});

describe('the charge is the map (generative)', () => {
  it('a fresh PrivacyBudget.approximate(ε, δ) accepts the ρ planned for (ε, δ) (regression: ε = 0.1 read as a decimal)', () => {
    for (const [epsilon, delta] of [
      [0.1, 1e-4],
      [0.3, 1e-9],
      [1, 1e-9],
      [7.7, 1e-6],
    ] as const) {
      const rho = rhoForEpsilonDelta(epsilon, delta);
      expect(PrivacyBudget.approximate(epsilon, delta).canCharge(zcdp(rho))).toBe(true);
    }
  });

  it('for random (ε, δ), methods and tiny data: spent = map(1), stated ε ≤ requested, pieces ≤ ρ', async () => {
    const tinySchema: SynthSchema = {
      columns: [
        { name: 'u', type: 'categorical', categories: ['0', '1'] },
        { name: 'v', type: 'integer', min: 0, max: 2 },
      ],
    };
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.1, max: 8, noNaN: true }),
        fc.integer({ min: 4, max: 10 }),
        fc.constantFrom('mst' as const, 'aim' as const, 'mwem' as const),
        fc.array(fc.record({ u: fc.constantFrom('0', '1', 'other'), v: fc.integer({ min: -3, max: 5 }) }), { maxLength: 30 }),
        async (epsilon, k, method, data) => {
          const delta = 10 ** -k;
          const budget = PrivacyBudget.approximate(epsilon, delta);
          const out = await synthesize({
            data,
            schema: tinySchema,
            epsilon,
            delta,
            method,
            rows: 5,
            budget,
            rng: new SeededRandomSource(k),
            iterations: 5,
          });
          expect(out.budget?.spentExact.rho.equals(out.guarantee.loss.rho)).toBe(true);
          expect(out.guarantee.epsilon).toBeLessThanOrEqual(epsilon);
          const spent = out.events.reduce(
            (t, e) =>
              e.type === 'discreteGaussian'
                ? t + 1 / (2 * e.sigma ** 2)
                : e.type === 'exponential'
                  ? t + e.epsilon ** 2 / 8
                  : Number.POSITIVE_INFINITY,
            0,
          );
          expect(spent).toBeLessThanOrEqual(out.guarantee.rho * (1 + 1e-9));
        },
      ),
      { numRuns: 12, seed: 21 },
    );
  });
});
