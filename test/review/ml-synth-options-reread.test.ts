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
});
