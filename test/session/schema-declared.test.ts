/**
 * Issue 10 item 2 (ε = ∞): the columns a Session knows come from a
 * declaration or public structure, never from the records' keys. Whether a
 * query is answered or refused, and every error, must be the same on
 * neighbouring record sets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { DpError } from '../../src/core/errors.js';
import { Session } from '../../src/session/index.js';
import { csvSource } from '../../src/stats/csv-source.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

type Outcome = { ok: true; remaining: unknown } | { ok: false; code: string; message: string; remaining: unknown };

const KEY_POOL = ['age', 'city', 'secret', 'person_id', 'x'];
const valueArb = fc.oneof(
  fc.integer({ min: -5, max: 100 }),
  fc.constantFrom(undefined, null, '', 'abc', Number.NaN, '42', -0, 1e308),
  fc.constantFrom('Oslo', 'Rome'),
);
/** A record with random keys from the pool (some present as undefined). */
const recordArb = fc.dictionary(fc.constantFrom(...KEY_POOL), valueArb, { maxKeys: 5 });

type QuerySpec = { kind: 'count' | 'sum' | 'mean' | 'median' | 'countBy'; column: string; unit: boolean };
const queryArb: fc.Arbitrary<QuerySpec> = fc.record({
  kind: fc.constantFrom('count', 'sum', 'mean', 'median', 'countBy'),
  column: fc.constantFrom(...KEY_POOL, 'undeclared'),
  unit: fc.boolean(),
});

function outcome(rows: readonly unknown[], columns: readonly string[], q: QuerySpec): Outcome {
  let session: Session;
  try {
    session = Session.fromRecords(rows, {
      columns,
      budget: PrivacyBudget.approximate(10, 1e-6),
      rng: new SeededRandomSource(1),
      ...(q.unit ? { privacyUnit: 'person_id' } : {}),
    });
  } catch (e) {
    if (!(e instanceof DpError)) throw e;
    return { ok: false, code: e.code, message: e.message, remaining: null };
  }
  try {
    const base = session.query();
    const query =
      q.kind === 'count'
        ? base.count()
        : q.kind === 'sum'
          ? base.sum(q.column, { bounds: [0, 100] })
          : q.kind === 'mean'
            ? base.mean(q.column, { bounds: [0, 100] })
            : q.kind === 'median'
              ? base.median(q.column, { bounds: [0, 100], bins: 64 })
              : base.groupBy(q.column, { keys: ['Oslo', 'Rome'] }).count();
    query.release({ epsilon: 1 });
    return { ok: true, remaining: session.remaining };
  } catch (e) {
    if (!(e instanceof DpError)) throw e;
    return { ok: false, code: e.code, message: e.message, remaining: session.remaining };
  }
}

describe('Session schema is declared, never read from the records', () => {
  it('regression: a record carrying `secret: undefined` does not make sum("secret") answerable', () => {
    const without = [{ age: 30 }, { age: 41 }];
    const withTarget = [...without, { age: 50, secret: undefined }];
    for (const rows of [without, withTarget]) {
      const session = Session.fromRecords(rows, { columns: ['age'], budget: PrivacyBudget.pure(1) });
      expect(() =>
        session
          .query()
          .sum('secret', { bounds: [0, 1] })
          .release({ epsilon: 0.5 }),
      ).toThrow(/NOT_FOUND/);
      expect(session.remaining).toEqual({ kind: 'pure', epsilon: 1 });
    }
    // Declared, it is answered on both (missing values are dropped by the value rule).
    for (const rows of [without, withTarget]) {
      const session = Session.fromRecords(rows, {
        columns: ['age', 'secret'],
        budget: PrivacyBudget.pure(1),
        rng: new SeededRandomSource(2),
      });
      expect(
        session
          .query()
          .sum('secret', { bounds: [0, 1] })
          .release({ epsilon: 0.5 }).rows,
      ).toHaveLength(1);
    }
  });

  it('refuses a session over records without a declared column list, whatever the records', () => {
    const noColumns = {} as { columns: readonly string[] };
    expect(() => Session.fromRecords([{ a: 1 }], { ...noColumns, budget: PrivacyBudget.pure(1) })).toThrow(/INVALID_PARAMETER/);
    expect(() => Session.fromRecords([], { ...noColumns, budget: PrivacyBudget.pure(1) })).toThrow(/INVALID_PARAMETER/);
    expect(() => Session.fromRecords([{ a: 1 }], { columns: ['a', 'a'], budget: PrivacyBudget.pure(1) })).toThrow(/INVALID_PARAMETER/);
    expect(() => Session.fromRecords([{ a: 1 }], { columns: ['a'], privacyUnit: 'person_id', budget: PrivacyBudget.pure(1) })).toThrow(
      /INVALID_PARAMETER/,
    );
  });

  it('generative: on neighbouring record sets (one record with random keys added or removed) every query is accepted or refused alike, with the same error and the same charge', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 8 }),
        recordArb,
        fc.nat(),
        fc.boolean(),
        fc.subarray(KEY_POOL),
        queryArb,
        (rows, extra, at, add, columns, q) => {
          const neighbour = add
            ? [...rows.slice(0, at % (rows.length + 1)), extra, ...rows.slice(at % (rows.length + 1))]
            : rows.filter((_, i) => rows.length === 0 || i !== at % rows.length);
          const a = outcome(rows, columns, q);
          const b = outcome(neighbour, columns, q);
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 400, seed: 10_2 },
    );
  });

  it('a CSV session reads its schema from the header, before the charge: a column not in it is refused and costs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-schema-'));
    const path = join(dir, 'd.csv');
    writeFileSync(path, 'age,city\n30,Oslo\n41,Rome\n');
    const session = Session.fromSource(csvSource(path), { budget: PrivacyBudget.pure(1), rng: new SeededRandomSource(3) });
    await expect(
      session
        .query()
        .sum('secret', { bounds: [0, 1] })
        .releaseAsync({ epsilon: 0.5 }),
    ).rejects.toThrow(/NOT_FOUND/);
    expect(session.remaining).toEqual({ kind: 'pure', epsilon: 1 });
    const missingFile = Session.fromSource(csvSource(join(dir, 'nope.csv')), { budget: PrivacyBudget.pure(1) });
    await expect(missingFile.query().count().releaseAsync({ epsilon: 0.5 })).rejects.toThrow(/NOT_FOUND/);
    expect(missingFile.remaining).toEqual({ kind: 'pure', epsilon: 1 });
    const r = await session
      .query()
      .sum('age', { bounds: [0, 100] })
      .releaseAsync({ epsilon: 0.5 });
    expect(r.rows).toHaveLength(1);
  });
});
