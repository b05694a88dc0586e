/**
 * Review S25b (session 7; class 18 "a value rule that merges people into one unit", a member R3's fix missed):
 * `unitText` (src/stats/value-rules.ts) drops a row whose unit id is `undefined` or `null`, but keeps the EMPTY
 * STRING as an id — and an empty field is how a missing id appears in every CSV file: `csvSource` (the Session's
 * streaming CSV reader) yields `''` for it. So every row of a CSV whose `pid` field is empty joins ONE unit `''`,
 * which contribution bounding cuts to `maxContributionsPerPartition` rows chosen at random; one more id-less person
 * swaps the kept row: bounds [−1, 1], one row per unit, D′ = {'': −1}, D = D′ + {'': +1} → the exact sum is −1 on D′
 * and ±1 on D, 2 apart against a sensitivity of 1 (R3's arithmetic: ε = 1 gives a loss of ln(½e² + ½) ≈ 1.43).
 * `keyText` also merges ids of different types with one text (1, '1' and 1n; true and 'true'): two people whose ids
 * print alike are one unit.
 *
 * Rule that would close the class: an id is missing when it is undefined, null OR the empty string (after the
 * reader's trim), and such a row is dropped; distinct ids are distinct units — key units by type and value (as the
 * declared keys are), or refuse a unit column whose values are of mixed types. The same rule in DP SQL (S25): an
 * empty CSV field read as a NULL unit. Generative test: random ids from {'', null, undefined, 1, '1', 1n, 'a'},
 * one id-less row added, the bounded exact value never moves by more than the sensitivity.
 * Owner: sqlrun (src/stats).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { exactLoss } from '../../src/core/exact-loss.js';
import { pure } from '../../src/core/loss.js';
import type { RandomSource } from '../../src/random/source.js';
import { Session } from '../../src/session/index.js';
import { csvSource } from '../../src/stats/csv-source.js';
import type { AggregateQuerySpec } from '../../src/stats/index.js';
import { runAggregateQuery, tableFromRecords } from '../../src/stats/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';

/** The (almost) exact bounded sum over [−1, 1], one row per unit (ε = 10⁶), for a seed. */
function exactSum(rows: Record<string, unknown>[], seed: number): number {
  const spec: AggregateQuerySpec = { privacyUnit: 'id', aggregates: [{ kind: 'sum', name: 's', column: 'v', bounds: [-1, 1] }] };
  const table = tableFromRecords(rows, ['id', 'v']);
  const r = runAggregateQuery(table, spec, { outputs: [exactLoss(pure(1e6))] }, new SeededRandomSource(seed) as RandomSource);
  return r.rows[0]?.values.s?.value ?? Number.NaN;
}

/** The largest move of the exact sum between two data sets over seeds 0..19 (same seed on both sides). */
function largestMove(a: Record<string, unknown>[], b: Record<string, unknown>[]): number {
  let m = 0;
  for (let seed = 0; seed < 20; seed++) m = Math.max(m, Math.abs(exactSum(a, seed) - exactSum(b, seed)));
  return m;
}

const dir = mkdtempSync(join(tmpdir(), 'review-empty-id-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The exact sum a Session over a CSV file adds noise to (trace hook), per seed 0..11. */
async function csvSums(text: string): Promise<number[]> {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(path, text);
  const out: number[] = [];
  for (let seed = 0; seed < 12; seed++) {
    const session = Session.fromSource(csvSource(path), {
      privacyUnit: 'pid',
      budget: PrivacyBudget.pure(10),
      rng: new SeededRandomSource(seed),
    });
    const trace = startTrace();
    try {
      await session
        .query()
        .sum('x', { bounds: [-1, 1] })
        .releaseAsync({ epsilon: 1 });
    } finally {
      trace.stop();
    }
    const record = trace.noise.find((r) => r.primitive.includes('sum'));
    if (record === undefined) throw new Error('no sum traced');
    out.push(Number(record.value) / 2 ** 31); // grid units of [−1, 1] sums are 2^-31
  }
  return out;
}

describe('review S25b: an empty unit id (a CSV blank) is a unit that pools every id-less person', () => {
  it('control: null ids are dropped (R3): one more id-less person moves nothing', () => {
    expect(
      largestMove(
        [{ id: null, v: -1 }],
        [
          { id: null, v: -1 },
          { id: null, v: 1 },
        ],
      ),
    ).toBe(0);
  });

  it("regression S25b (fixed on main 3aa2643, sqlrun a85e67d: unitText drops '', NaN, ±∞): ids '' pool into one unit — one more id-less person moves the bounded sum by 2 (> sensitivity 1)", () => {
    expect(
      largestMove(
        [{ id: '', v: -1 }],
        [
          { id: '', v: -1 },
          { id: '', v: 1 },
        ],
      ),
    ).toBeLessThanOrEqual(1);
  });

  it.fails("OPEN BY DECISION S25b (sqlrun: 'a unit is its id's canonical text', value-rules.ts): ids 1 and '1' (two people) are one unit — adding the second moves the sum by 2", () => {
    expect(
      largestMove(
        [{ id: 1, v: -1 }],
        [
          { id: 1, v: -1 },
          { id: '1', v: 1 },
        ],
      ),
    ).toBeLessThanOrEqual(1);
  });

  it('regression S25b (fixed on main 3aa2643): through Session.fromSource(csvSource(…)), blank pid fields pool: the exact sum moves by 2', async () => {
    const dPrime = await csvSums('pid,x\n,-1\n');
    const d = await csvSums('pid,x\n,-1\n,1\n');
    let moved = 0;
    for (const v of d) moved = Math.max(moved, Math.min(...dPrime.map((w) => Math.abs(v - w))));
    expect(moved).toBeLessThanOrEqual(1);
  });
});
