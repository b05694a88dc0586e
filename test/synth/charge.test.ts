import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactLoss, isDpError, lossEquals, PrivacyBudget, zcdp } from '../../src/core/index.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/index.js';
import { makeSynthesizer, planSynthesis, type SynthSchema, synthesize } from '../../src/synth/index.js';

const schema: SynthSchema = {
  columns: [
    { name: 'a', type: 'categorical', categories: ['x', 'y'] },
    { name: 'b', type: 'integer', min: 0, max: 3 },
    { name: 'w', type: 'number', min: 0, max: 100, binning: 'quantiles', bins: 4 },
  ],
};
const data = Array.from({ length: 200 }, (_, i) => ({ a: i % 2 ? 'x' : 'y', b: i % 4, w: (i * 37) % 101 }));

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isDpError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

/** Data that records whether any element was read. */
function watched() {
  const state = { read: false };
  const proxy = new Proxy(data, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) state.read = true;
      return Reflect.get(target, key, receiver);
    },
  });
  return { proxy, state };
}

const common = { schema, epsilon: 1, delta: 1e-6, method: 'mst' as const, rows: 20, iterations: 10 };

describe('synthesize charges like every release: charge == guarantee == privacy map', () => {
  it('a PrivacyBudget, a Session and a file ledger are each charged exactly the map; the report guarantee is that value', async () => {
    const budget = PrivacyBudget.approximate(2, 1e-6);
    // Charged to a caller's budget: ρ calibrated at δ/2 (calibrationFor); planned with the budget given.
    const plan = planSynthesis({ ...common, budget });
    const map = makeSynthesizer(plan.domain, plan.loss.rho, common).privacyMap(1);
    expect(lossEquals(exactLoss(map), plan.guarantee.loss)).toBe(true);

    const a = await synthesize({ ...common, data, budget, rng: new SeededRandomSource(1) });
    expect(lossEquals(a.budget?.spentExact as never, plan.guarantee.loss)).toBe(true);
    expect(lossEquals(a.guarantee.loss, exactLoss(map))).toBe(true);

    const session = Session.fromRecords(data, { columns: ['a', 'b', 'w'], budget: PrivacyBudget.approximate(2, 1e-6) });
    const b = await synthesize({ ...common, data, budget: session, rng: new SeededRandomSource(2) });
    expect(lossEquals(session.budget.spentExact, b.guarantee.loss)).toBe(true);

    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-synth-ledger-')) });
    const scope = { dataset: 'd', cap: { epsilon: Rational.of(2n), delta: Rational.parse('1e-6') } };
    const c = await synthesize({ ...common, data, budget: { ledger, scope, memo: 'test' }, rng: new SeededRandomSource(3) });
    const entries = await ledger.entries('d');
    expect(entries.length).toBe(1);
    expect(lossEquals(entries[0] as never, c.guarantee.loss)).toBe(true);
    expect(entries[0]?.memo).toBe('test');
    expect(lossEquals(c.ledgerStatus?.dataset.spent as never, c.guarantee.loss)).toBe(true);
    await ledger.close();
  });

  it('a ledger scope naming a unit column cannot make the per-record ρ a per-person spend (review 01:28: the release states its own unit)', async () => {
    const { privacyUnit } = await import('../../src/core/privacy-unit.js');
    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-synth-ledger-')) });
    const cap = { epsilon: Rational.of(4n), delta: Rational.parse('1e-6') };
    // A data set pinned per person by a first per-person spend: synthesize is refused, nothing recorded.
    await ledger.charge({ dataset: 'p', cap, unit: privacyUnit('a') }, planSynthesis(common).guarantee.loss, 'sql');
    const personScope = { dataset: 'p', cap, unit: privacyUnit('a') };
    await rejects(
      synthesize({ ...common, data, budget: { ledger, scope: personScope }, rng: new SeededRandomSource(4) }),
      'DOMAIN_MISMATCH',
    );
    expect((await ledger.entries('p')).length).toBe(1);
    // A fresh data set: the caller's unit 'a' is overridden, the spend is pinned per record, so a per-person charge is refused after it.
    await synthesize({
      ...common,
      data,
      budget: { ledger, scope: { dataset: 'q', cap, unit: privacyUnit('a') } },
      rng: new SeededRandomSource(5),
    });
    await expect(
      ledger.charge({ dataset: 'q', cap, unit: privacyUnit('a') }, planSynthesis(common).guarantee.loss, 'sql'),
    ).rejects.toMatchObject({
      code: 'DOMAIN_MISMATCH',
    });
    await ledger.close();
  });

  it('a refused run charges nothing and reads no record (budget, session, ledger)', async () => {
    const small = PrivacyBudget.approximate(0.5, 1e-6);
    const w1 = watched();
    await rejects(synthesize({ ...common, data: w1.proxy, budget: small }), 'BUDGET_EXHAUSTED');
    expect(w1.state.read).toBe(false);
    expect(small.spentExact.rho.isZero()).toBe(true);

    const session = Session.fromRecords(data, { columns: ['a', 'b', 'w'], budget: PrivacyBudget.approximate(0.5, 1e-6) });
    const w2 = watched();
    await rejects(synthesize({ ...common, data: w2.proxy, budget: session }), 'BUDGET_EXHAUSTED');
    expect(w2.state.read).toBe(false);
    expect(session.budget.spentExact.rho.isZero()).toBe(true);

    const ledger = new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-synth-ledger-')) });
    const scope = { dataset: 'd', cap: { epsilon: Rational.of(1n, 2n), delta: Rational.parse('1e-6') } };
    const w3 = watched();
    await rejects(synthesize({ ...common, data: w3.proxy, budget: { ledger, scope } }), 'BUDGET_EXHAUSTED');
    expect(w3.state.read).toBe(false);
    expect((await ledger.entries('d')).length).toBe(0);
    await ledger.close();
  });

  it('bad parameters are refused before the charge, for any hostile option value (generative)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('epsilon', 'delta', 'method', 'rows', 'iterations', 'rounds', 'maxModelSize', 'quantileShare', 'budget'),
        fc.oneof(fc.constant(Number.NaN), fc.constant(-1), fc.constant(5e-324), fc.string(), fc.constant(null), fc.constant({})),
        async (key, value) => {
          const budget = PrivacyBudget.approximate(10, 1e-6);
          const options = { ...common, data, budget, [key]: value } as never;
          let threw = false;
          try {
            const out = await synthesize(options);
            // Accepted values must still be charged exactly once.
            expect(lossEquals(out.budget?.spentExact as never, out.guarantee.loss)).toBe(true);
          } catch (e) {
            threw = true;
            expect(isDpError(e)).toBe(true);
            expect(budget.spentExact.rho.isZero()).toBe(true);
          }
          expect(typeof threw).toBe('boolean');
        },
      ),
      { numRuns: 40, seed: 8 },
    );
  });
});

describe('domain: DP quantile bins are inside the charge', () => {
  it('spends the stated share on the cuts and the rest on the marginals; the events add to at most ρ', async () => {
    const out = await synthesize({ ...common, data, quantileShare: 0.2, rng: new SeededRandomSource(5) });
    const { quantiles, marginals } = out.guarantee.parts;
    expect(quantiles).toBeCloseTo(0.2 * out.guarantee.rho, 12);
    expect(quantiles + marginals).toBeLessThanOrEqual(out.guarantee.rho * (1 + 1e-12));
    const zcdpEvents = out.events.filter((e) => e.type === 'zcdp');
    expect(zcdpEvents.length).toBe(1); // one quantile tree for the one quantile column
    const cuts = out.domain.cuts[2] as number[];
    expect(cuts.length).toBe(3);
    expect([...cuts].sort((x, y) => x - y)).toEqual(cuts);
    for (const r of out.records) expect(r.w as number).toBeGreaterThanOrEqual(0);
    const map = zcdp(out.guarantee.rho);
    expect(lossEquals(exactLoss(map), out.guarantee.loss)).toBe(true);
  });

  it('cuts near the true quartiles of a large column (fixed seed; failure probability ≤ 1e-6)', async () => {
    // 20 000 values uniform on [0, 100]: the quantile tree's noise at ρ = 0.1·ρ(ε=5) has σ ≈ 5 counts per node, so a
    // released quartile lies within 3 of the truth unless the noise passes hundreds of σ.
    const big = Array.from({ length: 20_000 }, (_, i) => ({ a: 'x', b: 0, w: (i * 100) / 20_000 }));
    const out = await synthesize({ ...common, epsilon: 5, data: big, rng: new SeededRandomSource(6) });
    const cuts = out.domain.cuts[2] as number[];
    [25, 50, 75].forEach((q, i) => {
      expect(Math.abs((cuts[i] as number) - q)).toBeLessThan(3);
    });
  });

  it('public edges: bins from the schema, no cost; a column with no public domain is refused before the charge', async () => {
    const edged: SynthSchema = {
      columns: [
        { name: 'a', type: 'categorical', categories: ['x', 'y'] },
        { name: 'w', type: 'number', min: 0, max: 100, edges: [10, 50] },
      ],
    };
    const out = await synthesize({ ...common, schema: edged, data, rng: new SeededRandomSource(7) });
    expect(out.guarantee.parts.quantiles).toBe(0);
    expect(out.domain.sizes).toEqual([2, 3]);
    for (const r of out.records) expect([5, 30, 75]).toContain(r.w);
    const budget = PrivacyBudget.approximate(10, 1e-6);
    for (const bad of [
      { name: 'w', type: 'number', min: 0, max: 1 },
      { name: 'w', type: 'number', min: 0, max: 1, binning: 'quantiles' },
      { name: 'w', type: 'number', min: 0, max: 1, edges: [0.5, 0.4] },
      { name: 'w', type: 'number', min: 0, max: 1, edges: [2] },
      { name: 'w', type: 'number', min: 0, max: 1, binning: 'median' },
      { name: 'w', type: 'number', min: 1, max: 1, binning: 'quantiles', bins: 4 },
      { name: 'w', type: 'categorical' },
      { name: 'w', type: 'text' },
    ]) {
      await rejects(synthesize({ ...common, schema: { columns: [bad as never] }, data, budget }), 'INVALID_SCHEMA');
    }
    expect(budget.spentExact.rho.isZero()).toBe(true);
  });
});

describe('domain: decoding a cut bin encodes back into it (generative)', () => {
  it('for integer and number columns with random public edges, every bin of positive width round-trips', async () => {
    const { buildDomain, decodeRecords, encodeRecords } = await import('../../src/synth/index.js');
    fc.assert(
      fc.property(
        fc.constantFrom('integer' as const, 'number' as const),
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }),
        (type, raw) => {
          const edges = [...raw].sort((a, b) => a - b);
          const domain = buildDomain({ columns: [{ name: 'x', type, min: 0, max: 1000, edges }] });
          const codes = Int32Array.from({ length: edges.length + 1 }, (_, k) => k);
          const back = encodeRecords(domain, decodeRecords(domain, [codes]))[0] as Int32Array;
          expect(Array.from(back)).toEqual(Array.from(codes));
        },
      ),
      { numRuns: 200, seed: 4 },
    );
  });
});

describe('domain: decoding an equal-width bin encodes back into it (generative)', () => {
  it('for integer and number columns with random bounds and bin counts', async () => {
    const { buildDomain, decodeRecords, encodeRecords } = await import('../../src/synth/index.js');
    fc.assert(
      fc.property(
        fc.constantFrom('integer' as const, 'number' as const),
        fc.integer({ min: -500, max: 500 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 200 }),
        (type, min, width, bins) => {
          const domain = buildDomain({ columns: [{ name: 'x', type, min, max: min + width, bins }] });
          const size = domain.sizes[0] as number;
          const codes = Int32Array.from({ length: size }, (_, k) => k);
          const back = encodeRecords(domain, decodeRecords(domain, [codes]))[0] as Int32Array;
          expect(Array.from(back)).toEqual(Array.from(codes));
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('MWEM', () => {
  it('measures the count, then per round one selection and one marginal; the last round spends exactly what is left (fixed seed; failure probability ≤ 1e-6)', async () => {
    const { runMwem } = await import('../../src/synth/mwem.js');
    const columns = [Int32Array.from({ length: 300 }, (_, i) => i % 2), Int32Array.from({ length: 300 }, (_, i) => (i >> 1) % 3)];
    const rho = Rational.of(1n, 10n);
    const run = runMwem(columns, [2, 3], { rho, rng: new SeededRandomSource(4), rounds: 4, maxModelSize: 1e6, iterations: 50 });
    const types = run.filter.events.map((e) => e.type);
    expect(types.length).toBe(1 + 2 * 4);
    expect(types[0]).toBe('discreteGaussian');
    for (let t = 0; t < 4; t++) {
      expect(types[1 + 2 * t]).not.toBe('discreteGaussian'); // the selection (an ε-DP event)
      expect(types[2 + 2 * t]).toBe('discreteGaussian');
    }
    expect(run.measurements.length).toBe(4);
    expect(run.filter.spent.le(rho)).toBe(true);
    expect(run.filter.remaining.toNumber()).toBeLessThan(1e-12);
    // The count's σ is √(1/(2·0.002)) ≈ 15.8 at 2% of ρ = 0.1, and the fitted total averages it with the marginals'
    // sums (smaller variance still): 100 is over 6σ of the count alone (two-sided normal tail < 1e-9).
    expect(Math.abs(run.fit.total - 300)).toBeLessThan(100);
  });
});
