/**
 * Class 5 (exceptions after the charge; review S44): a Session's source is read after `release` charges, so every
 * reader is total — a cell whose read throws is a missing value (value rules), a column that cannot be had reads as
 * all missing — and nothing a reader throws reaches the caller (its message could carry a value).
 *
 * Generative (fast-check, seed 44): over the three in-memory sources (records with a declared column list, columns,
 * an Arrow-like table), random values, random throwing cells (and, for Arrow, a throwing `toArray`, `getChild`,
 * `nullCount`) and random aggregations, `release` answers with finite values and charges exactly its ε.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pure } from '../../src/core/loss.js';
import { Session } from '../../src/session/session.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

type Kind = 'records' | 'columns' | 'arrow';

const thrower = (what: string) => () => {
  throw new Error(`secret ${what}`);
};

/** A column `h` of `values` where the cells at `bad` throw when read, as a source of `kind`. */
function session(kind: Kind, values: readonly number[], bad: ReadonlySet<number>, broken: 'none' | 'toArray' | 'getChild' | 'nullCount') {
  const options = { budget: pure(10), rng: new SeededRandomSource(44) };
  if (kind === 'records') {
    const rows = values.map((v, i) => {
      const r: Record<string, unknown> = {};
      if (bad.has(i)) Object.defineProperty(r, 'h', { get: thrower(`cell ${v}`), enumerable: true });
      else r.h = v;
      return r;
    });
    return Session.fromRecords(rows, { ...options, columns: ['h'] });
  }
  if (kind === 'columns') {
    const column = [...values];
    for (const i of bad) Object.defineProperty(column, i, { get: thrower(`cell ${values[i]}`) });
    return Session.fromColumns({ h: column }, options);
  }
  const vector = {
    length: values.length,
    get nullCount(): number {
      if (broken === 'nullCount') throw new Error('secret nullCount');
      return bad.size;
    },
    get(i: number): unknown {
      if (bad.has(i)) throw new Error(`secret arrow value ${values[i]}`);
      return values[i];
    },
    toArray(): ArrayLike<unknown> {
      if (broken === 'toArray') throw new Error('secret toArray');
      return [...values];
    },
  };
  const table = {
    numRows: values.length,
    schema: { fields: [{ name: 'h' }] },
    getChild: () => {
      if (broken === 'getChild') throw new Error('secret getChild');
      return vector;
    },
  };
  return Session.fromArrow(table as never, options);
}

describe('Session sources are read totally after the charge (class 5)', () => {
  it('generative (fast-check, seed 44): throwing cells and readers never escape release; answers are finite and charged once', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Kind>('records', 'columns', 'arrow'),
        fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(29), { maxLength: 5 }),
        fc.constantFrom('none', 'toArray', 'getChild', 'nullCount' as const),
        fc.constantFrom('sum', 'mean', 'count'),
        (kind, values, badIndices, broken, agg) => {
          const bad = new Set(badIndices.filter((i) => i < values.length));
          const s = session(kind, values, bad, broken);
          const q = s.query();
          const built = agg === 'sum' ? q.sum('h', { bounds: [0, 10] }) : agg === 'mean' ? q.mean('h', { bounds: [0, 10] }) : q.count();
          const result = built.release({ epsilon: 1 });
          const values0 = Object.values(result.rows[0]?.values ?? {});
          expect(values0.length).toBeGreaterThan(0);
          for (const v of values0) expect(Number.isFinite((v as { value: number }).value)).toBe(true);
          expect(s.remaining).toEqual(pure(9));
        },
      ),
      { numRuns: 300, seed: 44 },
    );
  });
});
