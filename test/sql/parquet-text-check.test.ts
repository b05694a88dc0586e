/**
 * Review S49's class (issue 10 class 3 with class 2's reader rule): DuckDB checks a Parquet string's UTF-8 only when
 * a function first reads it as text, so one person's non-UTF-8 value made a charged query fail. The rule
 * (duckdb.ts `checkParquetText`): every text column of a Parquet file is read once at open; a file holding such a
 * value is refused whole, before any query. This test explores the class: files with one to three text columns
 * (declared or not), the bad value in any column and row, or none; the file opens iff every value is UTF-8, and
 * once open, queries applying text functions to every column are answered.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'parquet-text-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Parquet file of 40 people with `k` text columns s0…; the value at (`row`, `column`) made invalid UTF-8 when `bad`. */
async function file(name: string, k: number, bad: { row: number; column: number } | null): Promise<string> {
  const path = join(dir, `${name}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const cols = Array.from({ length: k }, (_, j) =>
    bad && bad.column === j ? `CASE WHEN i = ${bad.row} THEN 'QQMARKQQ' ELSE 'v' || i END AS s${j}` : `'v' || i AS s${j}`,
  );
  await c.run(`COPY (SELECT i AS pid, ${cols.join(', ')} FROM range(0, 40) r(i)) TO '${path}' (FORMAT parquet, COMPRESSION uncompressed)`);
  c.closeSync();
  instance.closeSync();
  if (bad) {
    const bytes = readFileSync(path);
    for (let at = bytes.indexOf('QQMARKQQ'); at >= 0; at = bytes.indexOf('QQMARKQQ', at + 1)) {
      bytes[at + 2] = 0xff;
      bytes[at + 3] = 0xfe;
    }
    writeFileSync(path, bytes);
  }
  return path;
}

describe('S49 class: a Parquet file is opened only when every text value is UTF-8', () => {
  it('generative: text columns × declared or not × the bad value anywhere (or nowhere)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.option(fc.record({ row: fc.nat(39), column: fc.nat(2) }), { nil: null }),
        async (k, declare, bad0) => {
          const bad = bad0 && { row: bad0.row, column: bad0.column % k };
          const path = await file(`f${n++}`, k, bad);
          const columns: Record<string, { type: 'string' }> = {};
          for (let j = 0; j < k; j++) columns[`s${j}`] = { type: 'string' };
          const opened = await DuckDbEngine.open({
            files: { t: path },
            ...(declare
              ? { columnTypes: { t: { pid: 'integer', ...Object.fromEntries(Object.keys(columns).map((c) => [c, 'string'])) } } }
              : {}),
          }).catch((e: unknown) => e as { code?: string });
          if (bad) {
            expect(opened instanceof DuckDbEngine).toBe(false);
            expect((opened as { code?: string }).code).toBe('INVALID_PARAMETER');
            return;
          }
          expect(opened instanceof DuckDbEngine).toBe(true);
          const engine = opened as DuckDbEngine;
          try {
            const schema = parseSqlSchema({
              dataset: 'parquet_text',
              budget: { epsilon: 100, delta: 1e-5 },
              tables: {
                t: {
                  privacyUnit: 'pid',
                  maxPartitions: 1,
                  maxContributionsPerPartition: 1,
                  columns: { pid: { type: 'integer' }, ...columns },
                },
              },
            });
            const where = Object.keys(columns)
              .map((c) => `lower(${c}) LIKE 'v%'`)
              .join(' AND ');
            const ledger = new MemoryLedger();
            await runDpSql({
              sql: `SELECT COUNT(*) AS n FROM t WHERE ${where}`,
              schema,
              engine,
              ledger,
              epsilon: 1,
              rng: new SeededRandomSource(1),
            });
            expect(ledger.charges.length).toBe(1);
          } finally {
            await engine.close();
          }
        },
      ),
      { seed: 49, numRuns: 25 },
    );
  }, 300_000);
});
