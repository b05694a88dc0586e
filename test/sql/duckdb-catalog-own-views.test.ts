/**
 * The catalog step answers for tsdp's own views over declared files from what it built, without the catalog query,
 * while no one else has held the connection (`src/sql/engines/duckdb-catalog.ts`, "Own views without a catalog read";
 * issue 11, stop 26). The class: an answer read from tsdp's record that differs from DuckDB's catalog — a column name
 * DuckDB spells otherwise (it renames a second name equal but for case), a cast whose type DuckDB names otherwise, a
 * stored type named otherwise (S56), or a record that outlives the connection's hand-out (a view replaced through it).
 *
 * - Generative (fast-check, seed 2626, 40 runs): any declared columns (names of letters of both cases, digits,
 *   spaces, `_`, `-`, `é`, names equal but for case included), every declared type, CSV / Parquet (stored types
 *   admitted or not) / JSON Lines, undeclared columns beside them: the engine that has never handed out its
 *   connection answers exactly what an engine over the same file answers through the catalog query (one whose
 *   connection was read), or both refuse at open with the same code. No randomness in the property: it is exact.
 * - The shortcut is taken (no DuckDB call during the step), and ends at the hand-out: a view replaced through the
 *   connection is read from the catalog.
 * - After `close`, the answer is ENGINE_ERROR, as the query's.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { duckdb } from '../../src/sql/engines/duckdb-driver.js';
import type { DeclaredColumnType } from '../../src/sql/engines/duckdb-options.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-catalog-own-'));
let writer: Awaited<ReturnType<DuckDBInstance['connect']>>;
let instance: DuckDBInstance;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  writer = await instance.connect();
});
afterAll(() => {
  writer.closeSync();
  instance.closeSync();
});

const TYPES: readonly DeclaredColumnType[] = ['integer', 'float', 'string', 'boolean', 'date'];
/** Stored Parquet values: each declared type is admitted for some, refused for others (`duckdb-parquet-types.ts`). */
const STORED = [
  '7::BIGINT',
  '7::INTEGER',
  '7::SMALLINT',
  '2.5::DOUBLE',
  '2.5::FLOAT',
  '2.5::DECIMAL(9,2)',
  "'7'::VARCHAR",
  'true',
  "DATE '2020-01-02'",
  "TIMESTAMP '2020-01-02 03:04:05'",
] as const;
/** A field for each declared type, as text (CSV, JSON). */
const TEXT: Record<DeclaredColumnType, string> = { integer: '7', float: '2.5', string: 'x', boolean: 'true', date: '2020-01-02' };

const nameArb = fc.oneof(
  // Names equal but for case (ASCII and not) come often from this pool.
  fc.constantFrom('a', 'A', 'b', 'B', 'é z', 'É Z', 'É z'),
  fc
    .array(fc.constantFrom(...'aAbBzZ09 _-é'), { minLength: 1, maxLength: 6 })
    .map((cs) => cs.join(''))
    .filter((s) => s.trim() === s && s.trim() !== ''),
);
const columnArb = fc.record({ name: nameArb, type: fc.constantFrom(...TYPES), stored: fc.constantFrom(...STORED) });
const caseArb = fc.record({
  format: fc.constantFrom('csv', 'parquet', 'json'),
  columns: fc.uniqueArray(columnArb, { minLength: 1, maxLength: 4, selector: (c) => c.name }),
  extra: fc.boolean(),
});

type Case = { format: string; columns: { name: string; type: DeclaredColumnType; stored: string }[]; extra: boolean };

let fileNo = 0;
/** Writes the file of one case: every column (and an undeclared one when asked), two rows. */
async function writeFile(c: Case): Promise<string> {
  const path = join(dir, `f${++fileNo}.${c.format === 'json' ? 'jsonl' : c.format}`);
  const all = [...c.columns, ...(c.extra ? [{ name: 'undeclared_x', type: 'string' as const, stored: "'u'::VARCHAR" }] : [])];
  if (c.format === 'parquet') {
    const select = all.map((col) => `${col.stored} AS "${col.name.replaceAll('"', '""')}"`).join(', ');
    await writer.run(`COPY (SELECT ${select} FROM range(2)) TO '${path}' (FORMAT parquet)`);
  } else if (c.format === 'csv') {
    writeFileSync(path, `${all.map((col) => col.name).join(',')}\n${all.map((col) => TEXT[col.type]).join(',')}\n`);
  } else {
    const row = Object.fromEntries(all.map((col) => [col.name, TEXT[col.type]]));
    writeFileSync(path, `${JSON.stringify(row)}\n${JSON.stringify(row)}\n`);
  }
  return path;
}

/** The catalog answer of an engine over `path` as `t` (or the code of its refusal), as plain data. */
async function answer(path: string, types: Record<string, DeclaredColumnType>, handOut: boolean): Promise<unknown> {
  let engine: DuckDbEngine;
  try {
    engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: types } });
  } catch (e) {
    return { open: (e as { code?: string }).code ?? 'thrown' };
  }
  try {
    if (handOut) void engine.connection; // the catalog query from here on
    // As maps: no caller reads the catalog's order (check-public.ts looks each column up), nor does the query fix one.
    const m = await engine.catalog(['t']);
    return [...m].map(([t, cols]) => [t, [...cols].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  } catch (e) {
    return { catalog: (e as { code?: string }).code ?? 'thrown' };
  } finally {
    await engine.close();
  }
}

describe('DuckDB catalog step: own views answered from what tsdp built', () => {
  it('generative (fast-check, seed 2626): the same answer as the catalog query, for any declared columns, types and format', async () => {
    let shortcutCases = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const path = await writeFile(c);
        const types = Object.fromEntries(c.columns.map((col) => [col.name, col.type]));
        const queried = await answer(path, types, true);
        const own = await answer(path, types, false);
        expect(own).toEqual(queried);
        if (Array.isArray(own)) shortcutCases++;
      }),
      { numRuns: 40, seed: 2626 },
    );
    // Not vacuous: most cases open and answer (a refused Parquet stored type refuses both at open).
    expect(shortcutCases).toBeGreaterThan(15);
  });

  it('names equal but for case: DuckDB renames the second (A_1), and the answer is the catalog query’s', async () => {
    const path = join(dir, 'case.csv');
    writeFileSync(path, 'a,A\n1,2\n');
    const types = { a: 'integer', A: 'float' } as const;
    const queried = await answer(path, types, true);
    expect(await answer(path, types, false)).toEqual(queried);
  });

  it('takes the shortcut: no DuckDB call during the step while the connection is the engine’s own', async () => {
    const path = join(dir, 'spy.csv');
    writeFileSync(path, 'k,v\n1,2.5\n');
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { k: 'integer', v: 'float' } } });
    const calls = [
      vi.spyOn(duckdb.DuckDBConnection.prototype, 'runAndReadAll'),
      vi.spyOn(duckdb.DuckDBConnection.prototype, 'run'),
      vi.spyOn(duckdb.DuckDBConnection.prototype, 'prepare'),
    ];
    try {
      const m = await engine.catalog(['t']);
      expect([...(m.get('t') ?? [])]).toEqual([
        ['k', 'bigint <- varchar'],
        ['v', 'double <- varchar'],
      ]);
      expect(calls.map((s) => s.mock.calls.length)).toEqual([0, 0, 0]);
      // A table tsdp did not make is read from the catalog (NOT_FOUND is the public check's, on an empty answer).
      expect((await engine.catalog(['t', 'other'])).has('other')).toBe(false);
      expect(calls[0]?.mock.calls.length).toBe(1);
    } finally {
      for (const s of calls) s.mockRestore();
      await engine.close();
    }
  });

  it('ends at the hand-out: a view replaced through the connection is read from the catalog', async () => {
    const path = join(dir, 'replaced.csv');
    writeFileSync(path, 'k,v\n1,2.5\n');
    const engine = await DuckDbEngine.open({
      files: { t: path },
      columnTypes: { t: { k: 'integer', v: 'float' } },
      allowExternalAccess: true,
    });
    try {
      expect([...((await engine.catalog(['t'])).get('t') ?? [])]).toEqual([
        ['k', 'bigint <- varchar'],
        ['v', 'double <- varchar'],
      ]);
      await engine.connection.run("CREATE OR REPLACE VIEW t AS SELECT 'x' AS k");
      expect([...((await engine.catalog(['t'])).get('t') ?? [])]).toEqual([['k', 'varchar']]);
    } finally {
      await engine.close();
    }
  });

  it('after close: ENGINE_ERROR, as the catalog query’s', async () => {
    const path = join(dir, 'closed.csv');
    writeFileSync(path, 'k\n1\n');
    const engine = await DuckDbEngine.open({ files: { t: path }, columnTypes: { t: { k: 'integer' } } });
    await engine.close();
    await expect(engine.catalog(['t'])).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
  });
});
