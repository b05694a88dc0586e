/**
 * The class of review S56 (issue 10 class 18, S50–S52's through file views): a declared file's view converts each
 * column to its declared type, so an identity (the privacy unit, or a column declared `unique`) must be judged by
 * what the FILE stores. Rule: `src/sql/check-public.ts` (`identityConversionExact`), fed the stored type by the
 * DuckDB catalog (`duckdb-catalog.ts`, "What a file stores"); a rewrite that changes a stored type is refused
 * before the charge (`duckdb.ts` `createFileView`).
 *
 * Regression: a float identity in a CSV or JSON Lines file (text) is refused; a Parquet DOUBLE/FLOAT one is answered;
 * a Parquet file rewritten from DOUBLE to INT64 ids is refused before the charge. Generative: file formats × stored
 * identity types × declared types × id pairs that a conversion could merge — refused before any charge, or the
 * two ids stay two units (the released count equals that of two ids far apart, with the same seed).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import type { DeclaredColumnType } from '../../src/sql/engines/duckdb-options.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-file-identity-'));
const at = (name: string) => join(dir, name);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
/** Writes two people's ids (SQL expressions of the stored type) as a Parquet file, or as text to a CSV/JSON Lines file. */
async function writeIds(format: 'parquet' | 'csv' | 'jsonl', ids: readonly string[]): Promise<string> {
  const file = at(`ids-${files++}.${format}`);
  if (format === 'csv') writeFileSync(file, `pid,g\n${ids.map((id) => `${id},a`).join('\n')}\n`);
  else if (format === 'jsonl') writeFileSync(file, ids.map((id) => `{"pid": ${JSON.stringify(id)}, "g": "a"}`).join('\n') + '\n');
  else {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(`COPY (SELECT * FROM (VALUES ${ids.map((id) => `(${id}, 'a')`).join(', ')}) v(pid, g)) TO '${file}' (FORMAT parquet)`);
    c.closeSync();
    instance.closeSync();
  }
  return file;
}

/** The released COUNT(*) over one file whose unit pid is declared `type` (one row per unit), or 'refused' / 'charged-error'. */
async function releasedCount(file: string, type: DeclaredColumnType): Promise<number | string> {
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open({ files: { t: file }, columnTypes: { t: { pid: type, g: 'string' } } });
  } catch {
    return 'refused';
  }
  const schema = parseSqlSchema({
    dataset: 'file_identity',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      t: { privacyUnit: 'pid', maxPartitions: 1, maxContributionsPerPartition: 1, columns: { pid: { type }, g: { type: 'string' } } },
    },
  });
  const ledger = new MemoryLedger();
  try {
    const result = await runDpSql({
      sql: 'SELECT COUNT(*) AS n FROM t',
      schema,
      engine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(7),
    });
    return Number(result.rows[0]?.[0]);
  } catch {
    return ledger.charges.length === 0 ? 'refused' : 'charged-error';
  } finally {
    await engine.close();
  }
}

describe('S56: an identity is judged by what the file stores', () => {
  it('a CSV or JSON Lines unit declared float is refused before any charge (text ids above 2⁵³ are one double)', async () => {
    for (const format of ['csv', 'jsonl'] as const) {
      expect(await releasedCount(await writeIds(format, ['9007199254740993', '9007199254740992']), 'float')).toBe('refused');
      expect(await releasedCount(await writeIds(format, ['1', '2']), 'float')).toBe('refused');
      // The same ids declared integer or string are answered (each spelling of one integer is that integer).
      expect(typeof (await releasedCount(await writeIds(format, ['9007199254740993', '9007199254740992']), 'integer'))).toBe('number');
      expect(typeof (await releasedCount(await writeIds(format, ['9007199254740993', '9007199254740992']), 'string'))).toBe('number');
    }
  }, 60_000);

  it('a public CSV key declared float and unique is refused before any charge', async () => {
    const keys = at('keys.csv');
    writeFileSync(keys, 'k,g\n10000000000000000000000,a\n10000000000000000000001,b\n');
    const priv = at('priv.csv');
    writeFileSync(priv, 'a\n1e22\n');
    const engine = await DuckDbEngine.open({
      files: { pubk: keys, priv },
      columnTypes: { pubk: { k: 'float', g: 'string' }, priv: { a: 'float' } },
    });
    try {
      const schema = parseSqlSchema({
        dataset: 'file_identity',
        budget: { epsilon: 100, delta: 1e-5 },
        tables: {
          pubk: { public: true, columns: { k: { type: 'float', unique: true }, g: { type: 'string', categories: ['a', 'b'] } } },
          priv: { columns: { a: { type: 'float', lower: 0, upper: 1e23 } } },
        },
      });
      const ledger = new MemoryLedger();
      const sql = 'SELECT COUNT(*) AS n FROM priv JOIN pubk ON pubk.k = priv.a';
      await expect(runDpSql({ sql, schema, engine, ledger, epsilon: 1 })).rejects.toMatchObject({ code: 'INVALID_SCHEMA' });
      expect(ledger.charges).toHaveLength(0);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('a Parquet unit stored DOUBLE or FLOAT and declared float is answered', async () => {
    expect(typeof (await releasedCount(await writeIds('parquet', ['CAST(0.5 AS DOUBLE)', 'CAST(0.75 AS DOUBLE)']), 'float'))).toBe(
      'number',
    );
    expect(typeof (await releasedCount(await writeIds('parquet', ['CAST(0.5 AS FLOAT)', 'CAST(0.75 AS FLOAT)']), 'float'))).toBe('number');
  }, 60_000);

  it('a Parquet file rewritten from DOUBLE to INT64 ids is refused before the charge (the stored types are fixed at open)', async () => {
    const file = at('rewritten.parquet');
    renameSync(await writeIds('parquet', ['CAST(1 AS DOUBLE)', 'CAST(2 AS DOUBLE)']), file);
    const engine = await DuckDbEngine.open({ files: { t: file }, columnTypes: { t: { pid: 'float', g: 'string' } } });
    try {
      const schema = parseSqlSchema({
        dataset: 'file_identity',
        budget: { epsilon: 100, delta: 1e-5 },
        tables: { t: { privacyUnit: 'pid', columns: { pid: { type: 'float' }, g: { type: 'string' } } } },
      });
      const ledger = new MemoryLedger();
      await runDpSql({ sql: 'SELECT COUNT(*) AS n FROM t', schema, engine, ledger, epsilon: 1 });
      expect(ledger.charges).toHaveLength(1);
      renameSync(await writeIds('parquet', ['CAST(1152921504606846977 AS BIGINT)', '1152921504606846978']), file);
      await expect(runDpSql({ sql: 'SELECT COUNT(*) AS n FROM t', schema, engine, ledger, epsilon: 1 })).rejects.toMatchObject({
        code: 'ENGINE_ERROR',
      });
      expect(ledger.charges).toHaveLength(1);
    } finally {
      await engine.close();
    }
  }, 60_000);
});

/** One stored identity type: the file format, the declared type, and ids as SQL (Parquet) or text (CSV/JSON Lines). */
interface IdentityCase {
  readonly format: 'parquet' | 'csv' | 'jsonl';
  readonly declared: DeclaredColumnType;
  /** Two ids a conversion could make one, and the first with one far from it (same magnitude: same NULL-ness). */
  readonly ids: fc.Arbitrary<{ readonly close: readonly [string, string]; readonly apart: readonly [string, string] }>;
}

const big = fc.bigInt(2n ** 53n, 2n ** 61n);
const intPair = (cast: (v: bigint) => string) =>
  fc
    .tuple(big, fc.bigInt(1n, 3n))
    .map(([a, d]) => ({ close: [cast(a), cast(a + d)] as const, apart: [cast(a), cast(a + 2n ** 60n)] as const }));
const fracPair = (cast: (v: string) => string) =>
  fc
    .integer({ min: 0, max: 1000 })
    .map((k) => ({ close: [cast(`${k}.6`), cast(`${k + 1}.4`)] as const, apart: [cast(`${k}.6`), cast(`${k + 5}.6`)] as const }));
const dayPair = (cast: (v: string) => string) =>
  fc.integer({ min: 0, max: 20000 }).map((d) => {
    const day = new Date(d * 86_400_000).toISOString().slice(0, 10);
    const far = new Date((d + 3) * 86_400_000).toISOString().slice(0, 10);
    return {
      close: [cast(`${day} 01:00:00`), cast(`${day} 23:00:00`)] as const,
      apart: [cast(`${day} 01:00:00`), cast(`${far} 01:00:00`)] as const,
    };
  });

const CASES: readonly IdentityCase[] = [
  ...(['float', 'integer', 'string'] as const).map((declared) => ({
    format: 'parquet' as const,
    declared,
    ids: intPair((v) => `CAST(${v} AS BIGINT)`),
  })),
  ...(['float', 'integer'] as const).map((declared) => ({
    format: 'parquet' as const,
    declared,
    ids: intPair((v) => `CAST('${v}' AS DECIMAL(38,0))`),
  })),
  { format: 'parquet', declared: 'integer', ids: intPair((v) => `CAST(${v} AS UBIGINT)`) },
  ...(['integer', 'float', 'string'] as const).map((declared) => ({
    format: 'parquet' as const,
    declared,
    ids: fracPair((v) => `CAST(${v} AS DOUBLE)`),
  })),
  ...(['integer', 'float', 'string'] as const).map((declared) => ({
    format: 'parquet' as const,
    declared,
    ids: fracPair((v) => `CAST(${v} AS DECIMAL(18,2))`),
  })),
  { format: 'parquet', declared: 'date', ids: dayPair((v) => `TIMESTAMP '${v}'`) },
  { format: 'parquet', declared: 'string', ids: intPair((v) => `'${v}'`) },
  ...(['csv', 'jsonl'] as const).flatMap((format) =>
    (['float', 'integer', 'string'] as const).map((declared) => ({ format, declared, ids: intPair((v) => String(v)) })),
  ),
];

describe('S56 class: formats × stored identity types × declared types × ids a conversion could merge', () => {
  it('generative (fast-check, seed 5656): refused before any charge, or two ids stay two units', async () => {
    const arbitrary = fc.constantFrom(...CASES).chain((c) => fc.tuple(fc.constant(c), c.ids));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([c, ids]) => {
        const close = await releasedCount(await writeIds(c.format, ids.close), c.declared);
        const apart = await releasedCount(await writeIds(c.format, ids.apart), c.declared);
        expect(close).not.toBe('charged-error');
        // Refusal is decided by the types alone; an answer counts the close ids as two units, as it does the far ones.
        expect(close === 'refused').toBe(apart === 'refused');
        if (close !== 'refused') expect(close).toBe(apart);
      }),
      { seed: 5656, numRuns: 40 },
    );
  }, 300_000);
});
