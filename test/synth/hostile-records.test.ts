/**
 * Records that run their own code (a throwing getter, a Proxy whose traps throw, a revoked proxy) or
 * are not objects: every field is read by one total reader (`readField`), so such a record reads as
 * all-missing. Generative check on neighbouring data: `base + hostile` and `base + {}` (the same
 * record, read as missing) give the same charge and the same synthetic records for the same seed, and
 * no error (so no data text reaches a message).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { buildDomain } from '../../src/synth/domain.js';
import { encodeRecords, type SynthSchema, synthesize } from '../../src/synth/index.js';

const schema: SynthSchema = {
  columns: [
    { name: 'a', type: 'categorical', categories: ['x', 'y'] },
    { name: 'b', type: 'integer', min: 0, max: 3 },
    { name: 'w', type: 'number', min: 0, max: 100, binning: 'quantiles', bins: 3 },
  ],
};
const base = Array.from({ length: 40 }, (_, i) => ({ a: i % 3 === 0 ? 'x' : 'y', b: i % 4, w: (i * 37) % 101 }));
const SECRET = 'secret salary=123456';

const throwing = () => {
  throw new Error(SECRET);
};
/** Hostile records: each reads as all-missing. */
const hostile: readonly (() => unknown)[] = [
  () => {
    const r: Record<string, unknown> = { b: undefined };
    Object.defineProperty(r, 'a', { enumerable: true, get: throwing });
    return r;
  },
  () => {
    const r: Record<string, unknown> = {};
    for (const k of ['a', 'b', 'w']) Object.defineProperty(r, k, { enumerable: true, get: throwing });
    return r;
  },
  () => new Proxy({}, { get: throwing, has: throwing, getOwnPropertyDescriptor: throwing, ownKeys: throwing }),
  () => new Proxy({ a: 'x', b: 1, w: 5 }, { get: throwing }),
  () => {
    const p = Proxy.revocable({ a: 'x' }, {});
    p.revoke();
    return p.proxy;
  },
  () => null,
  () => undefined,
  () => 7,
  () => SECRET,
  () => 1n,
  () => Symbol('s'),
  () => [SECRET],
  () => Object.create({ a: 'x', b: 1, w: 5 }), // inherited, not own: missing
];
/** The same record read as missing: an empty object. */
const missing = () => ({ a: undefined, b: undefined, w: undefined });

async function run(data: readonly unknown[], seed: number) {
  const budget = PrivacyBudget.approximate(10, 1e-5);
  const out = await synthesize({
    data: data as Record<string, unknown>[],
    schema,
    epsilon: 1,
    delta: 1e-6,
    method: 'mst',
    rows: 8,
    iterations: 10,
    budget,
    rng: new SeededRandomSource(seed),
  });
  return { records: out.records, spent: budget.spentExact };
}

describe('synth: hostile records read as missing (total reader)', () => {
  it('encodeRecords: a hostile record encodes like an all-missing one, never throws', () => {
    const domain = buildDomain({ columns: schema.columns.slice(0, 2) });
    for (const h of hostile) {
      expect(encodeRecords(domain, [h() as Record<string, unknown>])).toEqual(encodeRecords(domain, [missing()]));
    }
  });
  it('synthesize: the charge and the outcome do not depend on a hostile record (neighbouring data)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: hostile.length - 1 }),
        fc.integer({ min: 0, max: base.length }),
        fc.integer({ min: 1, max: 1000 }),
        async (k, at, seed) => {
          const withHostile = [...base.slice(0, at), (hostile[k] as () => unknown)(), ...base.slice(at)];
          const withMissing = [...base.slice(0, at), missing(), ...base.slice(at)];
          const a = await run(withHostile, seed);
          const b = await run(withMissing, seed);
          expect(a.records).toEqual(b.records);
          expect(a.spent).toEqual(b.spent);
        },
      ),
      { numRuns: 15 },
    );
  }, 300_000);
});
