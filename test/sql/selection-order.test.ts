/**
 * Keys chosen by DP partition selection are released in an order that depends
 * on the keys only, never on the order the engine returned its groups in (a
 * hash table's layout can depend on keys that were not released).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

function fakeEngine(rows: EngineRow[]): SqlEngine {
  return {
    dialect: duckdbDialect,
    query: async () => rows,
    close: async () => {},
    catalog: async () =>
      new Map([
        [
          'visits',
          new Map([
            ['person_id', 'bigint'],
            ['city', 'varchar'],
          ]),
        ],
      ]),
  };
}

const schema = () =>
  parseSqlSchema({
    dataset: 'order',
    budget: { epsilon: 100, delta: 1e-3 },
    tables: { visits: { privacyUnit: 'person_id', columns: { person_id: { type: 'integer' }, city: { type: 'string' } } } },
  });

describe('partition selection output order', () => {
  it('is the same whatever order the engine returns groups in (all groups far above threshold: kept with probability 1 - 1e-300)', async () => {
    const groups: EngineRow[] = ['delta', 'alpha', 'charlie', 'bravo'].map((k) => ({ k0: k, units: 1_000_000n, a0: 1_000_000n }));
    const orders: string[][] = [];
    for (const engineRows of [groups, [...groups].reverse(), [groups[2], groups[0], groups[3], groups[1]] as EngineRow[]]) {
      const r = await runDpSql({
        sql: 'SELECT city, COUNT(*) AS n FROM visits GROUP BY city',
        schema: schema(),
        engine: fakeEngine(engineRows),
        ledger: new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-order-')) }),
        epsilon: 10,
        delta: 1e-4,
        rng: new SeededRandomSource(1),
      });
      orders.push(r.rows.map((row) => String(row[0])));
    }
    expect(orders[0]).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
  });
});
