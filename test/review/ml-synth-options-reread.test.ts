/**
 * Review ML (reviewml, 2026-12-06), finding M2 — issue 10 class 12 ("every public entry validates once at the
 * edge": a value checked is not the value used; the S21/S21b "read once" member) and class 5 ("nothing fails
 * after the charge"). Low severity (the caller's own options object; an over-charge and a crash, no release).
 * Owner: trust (src/synth).
 *
 * Where: `src/synth/synthesize.ts`. `synthesize(options)` checks `options.rows` four times before the charge
 * (`checkOptions` twice, `makeSynthesizer` twice), and then the measurement's `invoke` reads `options.rows` AGAIN,
 * after the budget was charged (`rowsToSample(options.rows, …)`), unchecked; `options.method` is likewise re-read
 * inside `invoke` (an unknown value silently runs MWEM although MST was planned and its memo recorded). A getter
 * that returns 10 until the Session is charged and −3 afterwards makes `sampleModel` refuse (INVALID_PARAMETER)
 * after ρ was spent; returning 2³¹ instead aborts the whole Node process ("Fatal JavaScript invalid size error",
 * checked by hand, not run here).
 *
 * Rule: read every option once, at the edge (one frozen snapshot made by `checkOptions`), and hand only that
 * snapshot to `planSynthesis`, `makeSynthesizer` and the measurement; generative test: getters that change value
 * after N reads, for every option, never refuse after the charge.
 *
 * Phase 2 (main 5272cf8, trust 4bcd77c): the options are snapshotted (shallow, frozen) — the `rows` member is
 * closed. A second member is NOT: the snapshot keeps the caller's `schema`, and `buildDomain` keeps the caller's
 * column objects in `domain.columns`; after the charge `releaseCuts`, `encodeRecords` and `decodeRecords` read
 * `c.type`, `c.min`, `c.max`, `c.categories`, `c.fallback` from them again. A column whose `max` getter turns
 * Infinity after the charge gives INVALID_PARAMETER with ρ spent; a `type` getter 'number' → 'categorical' lets a
 * TypeError escape after the charge; a `max` 1 → 1e308 releases every value as 1e308 (encoded in [0, 1], decoded in
 * [−1e308, 1e308]). Rule: the domain is built from a deep, frozen copy of the schema (every field read once).
 */
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { Session } from '../../src/session/index.js';
import { synthesize } from '../../src/synth/index.js';

const data = Array.from({ length: 40 }, (_, i) => ({ a: String(i % 3), b: i % 5 }));
const schema = {
  columns: [
    { name: 'a', type: 'categorical' as const, categories: ['0', '1', '2'] },
    { name: 'b', type: 'integer' as const, min: 0, max: 4 },
  ],
};

/** Runs synthesize with `key` a getter: `before` until the Session is charged, `after` once it is. */
async function run(key: string, before: unknown, after: unknown): Promise<{ code?: string; spent: boolean; rows?: number }> {
  const session = Session.fromRecords(data, { columns: ['a', 'b'], budget: PrivacyBudget.approximate(10, 1e-6) });
  const options: Record<string, unknown> = {
    data,
    schema,
    epsilon: 1,
    delta: 1e-9,
    method: 'mst',
    rows: 10,
    iterations: 10,
    budget: session,
    rng: new SeededRandomSource(key),
  };
  Object.defineProperty(options, key, {
    enumerable: true,
    get: () => (session.budget.spentExact.rho.isZero() ? before : after),
  });
  try {
    const r = await synthesize(options as never);
    return { spent: !session.budget.spentExact.rho.isZero(), rows: r.records.length };
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), spent: !session.budget.spentExact.rho.isZero() };
  }
}

describe('review ML M2: synthesize re-reads its options after the charge', () => {
  it('control (holds): a plain rows value runs and charges once', async () => {
    const r = await run('rows', 10, 10);
    expect(r).toEqual({ spent: true, rows: 10 });
  });

  // M2, fixed by trust (synthesize.ts snapshotOptions: the options are read once into a frozen snapshot).
  it('a rows getter that changes after the charge: the run uses the checked value, or refuses having charged nothing', async () => {
    const r = await run('rows', 10, -3);
    if (r.code !== undefined) expect(r.spent).toBe(false);
    else expect(r.rows).toBe(10);
  });

  // M2b, fixed by trust (domain.ts snapshotColumns: the schema is read once into a deep frozen copy).
  it('a schema column getter that changes after the charge: the run uses the checked value, or refuses having charged nothing', async () => {
    const outcomes: { key: string; code?: string; spent: boolean }[] = [];
    for (const [key, before, after, base] of [
      ['max', 1, Number.POSITIVE_INFINITY, { name: 'x', type: 'number', min: 0, bins: 4, binning: 'quantiles' }],
      ['type', 'number', 'categorical', { name: 'x', min: 0, max: 1, bins: 4 }],
    ] as const) {
      const records = Array.from({ length: 40 }, (_, i) => ({ b: i % 5, x: i / 40 }));
      const session = Session.fromRecords(records, { columns: ['b', 'x'], budget: PrivacyBudget.approximate(10, 1e-6) });
      const column: Record<string, unknown> = { ...base };
      Object.defineProperty(column, key, {
        enumerable: true,
        get: () => (session.budget.spentExact.rho.isZero() ? before : after),
      });
      try {
        await synthesize({
          data: records,
          schema: { columns: [column as never, { name: 'b', type: 'integer', min: 0, max: 4 }] },
          epsilon: 1,
          delta: 1e-9,
          method: 'mst',
          rows: 5,
          iterations: 5,
          budget: session,
          rng: new SeededRandomSource(key),
        });
        outcomes.push({ key, spent: !session.budget.spentExact.rho.isZero() });
      } catch (e) {
        outcomes.push({ key, code: String((e as { code?: unknown }).code), spent: !session.budget.spentExact.rho.isZero() });
      }
    }
    for (const o of outcomes) if (o.code !== undefined) expect(o).toEqual({ key: o.key, code: o.code, spent: false });
  });
});
