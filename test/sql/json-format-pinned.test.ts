/**
 * Class rule (issue 10 classes 2/3, review S9): a newline-delimited JSON file's format is pinned by its
 * extension (`.jsonl`, `.ndjson`), never detected from its records, so one record — wherever it is and however it
 * is broken — is read or dropped alone: whether a query is answered, and every other record's value, never depend
 * on it. Generative: a malformed record at a random position moves an exact-enough DP COUNT by at most one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const schema = parseSqlSchema({
  dataset: 'json_format_pinned',
  budget: { epsilon: 1e6, delta: 1e-6 },
  tables: { t: { columns: { pid: { type: 'integer' }, s: { type: 'string' } } } },
});
const base = Array.from({ length: 30 }, (_, k) => JSON.stringify({ pid: k + 1, s: `v${k}` }));
const broken = ['{"pid": 99, "s": "x"', '{"pid": 99, "s": "x', '[', '{', '"pid"', '{"pid": 99,, "s": 1}', 'not json at all'];

/** DP COUNT(*) at ε = 40: discrete Laplace of scale 1/40, |noise| ≥ 1 with probability < 1e-17 per query. */
async function count(lines: readonly string[], ext: string, seed: number): Promise<number> {
  const path = join(mkdtempSync(join(tmpdir(), 'tsdp-json-pinned-')), `t.${ext}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { pid: 'integer', s: 'string' } } });
  try {
    const r = await runDpSql({
      sql: 'SELECT COUNT(*) AS n FROM t',
      schema,
      engine,
      ledger: new MemoryLedger(),
      epsilon: 40,
      rng: new SeededRandomSource(seed),
    });
    return Number(r.rows[0]?.[0]);
  } finally {
    await engine.close();
  }
}

describe('newline-delimited JSON: the format is pinned by the extension', () => {
  it('generative (fast-check, seed 9; false-failure probability < 1e-15): one malformed record anywhere moves COUNT by at most 1', async () => {
    const without = await count(base, 'jsonl', 1);
    expect(without).toBe(30);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: base.length }),
        fc.constantFrom(...broken),
        fc.constantFrom('jsonl', 'ndjson'),
        async (at, record, ext) => {
          const n = await count([...base.slice(0, at), record, ...base.slice(at)], ext, at + 2);
          expect(Math.abs(n - without)).toBeLessThanOrEqual(1);
        },
      ),
      { seed: 9, numRuns: 12, examples: [[0, '{"pid": 99, "s": "x"', 'jsonl']] },
    );
  }, 120_000);
});
