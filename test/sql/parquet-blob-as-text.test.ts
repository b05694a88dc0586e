/**
 * A Parquet BLOB declared string (review stop 20, S59's class: a per-value engine limit reached after the charge).
 * DuckDB's BLOB → VARCHAR escapes each byte outside printable ASCII as `\xNN`, four characters per byte, so one
 * person's BLOB past 1 GiB would become text past DuckDB's 4 GiB string limit inside the file view. The view reads a
 * BLOB only up to `BLOB_AS_TEXT_MAX_BYTES` (NULL past it, by its own length alone). Generative over lengths around the
 * limit and byte contents; each row's outcome depends on that row's length only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { BLOB_AS_TEXT_MAX_BYTES, blobBoundedSource } from '../../src/sql/engines/duckdb-parquet-types.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-blob-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a Parquet BLOB declared string', () => {
  it('reads as NULL past BLOB_AS_TEXT_MAX_BYTES, row by row, and as its escaped text otherwise (fast-check, seed 2020)', async () => {
    const L = BLOB_AS_TEXT_MAX_BYTES;
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ length: fc.constantFrom(0, 1, 7, L - 1, L, L + 1, 2 * L), byte: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (rows) => {
          const file = join(dir, `b${k++}.parquet`);
          const db = await DuckDBInstance.create(':memory:');
          const c = await db.connect();
          const values = rows
            .map(
              (r, i) =>
                `(${i}, CASE WHEN ${r.length} = 0 THEN ''::BLOB ELSE unhex(repeat('${r.byte.toString(16).padStart(2, '0')}', ${r.length})) END)`,
            )
            .join(', ');
          await c.run(`COPY (SELECT * FROM (VALUES ${values}) t(pid, v)) TO '${file}' (FORMAT parquet)`);
          c.closeSync();
          db.closeSync();
          const engine = await DuckDbEngine.open({ files: { t: file }, columnTypes: { t: { pid: 'integer', v: 'string' } } });
          try {
            const got = (
              await engine.connection.runAndReadAll('SELECT pid, v IS NULL AS absent, strlen(v) AS n FROM t ORDER BY pid')
            ).getRowObjectsJS();
            rows.forEach((r, i) => {
              const row = got[i] as { absent: boolean; n: bigint | null };
              expect(row.absent).toBe(r.length > L);
              const printable = r.byte >= 0x20 && r.byte <= 0x7e && r.byte !== 0x5c;
              if (r.length <= L) expect(Number(row.n)).toBeLessThanOrEqual(printable ? r.length : 4 * r.length);
            });
          } finally {
            await engine.close();
          }
        },
      ),
      { seed: 2020, numRuns: 12 },
    );
  });

  it('bounds only a stored BLOB declared string', () => {
    expect(blobBoundedSource('"v"', 'BLOB', 'string')).toContain('octet_length("v")');
    for (const [stored, declared] of [
      ['VARCHAR', 'string'],
      ['BLOB', 'integer'],
      ['UUID', 'string'],
      [undefined, 'string'],
    ] as const)
      expect(blobBoundedSource('"v"', stored, declared)).toBe('"v"');
  });
});
