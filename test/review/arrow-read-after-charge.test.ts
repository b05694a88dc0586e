/**
 * Review S44 (session 9; class 5 "exceptions after the charge — no data value ever reaches an error message"):
 * `Session.fromArrow` (`tableFromArrow`, `src/stats/data-source.ts`) calls the table's `getChild(name)` and the
 * vector's `get(i)` / `toArray()` the first time a query reads the column, which is AFTER `release` charged the
 * budget, and nothing catches what they throw. A vector whose `get` throws on one cell (a proxy over a lazily decoded
 * or remote column, a broken reader) makes `release` throw the reader's own error — its message included
 * ("secret arrow value …") — with ε already spent. The same input through `Session.fromColumns` (a column whose
 * element getter throws) is answered: that reader treats the cell as missing (held).
 *
 * Rule that would close the class: every reader of a Session's source is total — a cell whose read throws is a
 * missing value (the value rule), and a column that cannot be read at all is refused before the charge (read the
 * declared columns' vectors when the Session is built or before `release` charges); one generative test over
 * sources (records, columns, Arrow) × a throwing cell. Owner: trust (stats: data-source.ts; session).
 */
import { describe, expect, it } from 'vitest';
import { pure } from '../../src/core/loss.js';
import { Session } from '../../src/session/session.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

function arrowWithThrowingCell() {
  const vector = {
    length: 3,
    nullCount: 1,
    get(i: number): unknown {
      if (i === 2) throw new Error('secret arrow value: salary=123456');
      return i;
    },
    toArray: () => [0, 1, 2],
  };
  return { numRows: 3, schema: { fields: [{ name: 'h' }] }, getChild: () => vector };
}

describe('review S44: an Arrow source is read after the charge, and its errors escape', () => {
  it('S44 (fixed: Arrow reads are total, a throwing cell is missing): a vector whose get() throws on one cell never makes release throw its message after ε was spent', () => {
    const session = Session.fromArrow(arrowWithThrowingCell() as never, { budget: pure(10), rng: new SeededRandomSource(1) });
    let message = '';
    try {
      session
        .query()
        .sum('h', { bounds: [0, 10] })
        .release({ epsilon: 1 });
    } catch (e) {
      message = String((e as Error).message);
      // A refusal is fine only if nothing was charged.
      expect(session.remaining).toEqual(pure(10));
    }
    expect(message).not.toContain('secret');
  });

  it('control (held): the same throwing cell through fromColumns is a missing value, answered', () => {
    const column: number[] = [0, 1, 2];
    Object.defineProperty(column, 2, {
      get() {
        throw new Error('secret column value');
      },
    });
    const session = Session.fromColumns({ h: column }, { budget: pure(10), rng: new SeededRandomSource(1) });
    const result = session
      .query()
      .sum('h', { bounds: [0, 10] })
      .release({ epsilon: 1 });
    expect(Number.isFinite(result.rows[0]?.values.sum_h?.value)).toBe(true);
  });
});
