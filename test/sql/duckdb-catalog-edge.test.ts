/**
 * `DuckDbEngine.catalog` on hostile arguments (review S7's class, instance methods): anything that is not an array
 * of table names is refused with DpError INVALID_PARAMETER before DuckDB is asked; no TypeError escapes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

let engine: DuckDbEngine;
beforeAll(async () => {
  engine = await DuckDbEngine.open({ allowExternalAccess: true });
  await engine.connection.run('CREATE TABLE t AS SELECT 1 AS a');
});
afterAll(async () => {
  await engine?.close();
});

describe('DuckDbEngine.catalog edges', () => {
  it('regression: undefined, a string, numbers in the list → INVALID_PARAMETER; a good list is read', async () => {
    for (const bad of [undefined, null, 't', 42, [1], ['t', null], { length: 1 }]) {
      await expect(engine.catalog(bad as never)).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
    }
    expect((await engine.catalog(['t'])).get('t')?.get('a')).toBe('integer');
  });

  it('generative (fast-check, seed 12): any value is answered or refused with a DpError, never a TypeError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.array(fc.oneof(fc.string(), fc.anything()))), async (x) => {
        const r = await engine.catalog(x as never).then(
          () => 'ok',
          (e: unknown) => e,
        );
        if (r !== 'ok') expect(isDpError(r)).toBe(true);
        if (!(Array.isArray(x) && x.every((t) => typeof t === 'string'))) expect(r).toMatchObject({ code: 'INVALID_PARAMETER' });
      }),
      { numRuns: 200, seed: 12 },
    );
  });
});
