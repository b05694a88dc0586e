/**
 * Issue 10 class 12 (hostile parameters), the member found when the S7 instance-method sweep first built
 * PostgresLedger/PostgresEngine: `PostgresLedger#pins`/`#entries` passed their `dataset` argument to `pg` unchecked,
 * and `pg` serialises any `Array.isArray` value as a PostgreSQL array by looping to its `length` — a Proxy array
 * whose `length` reads 1e308 grew one string until the vitest worker ran out of heap (V8 OOM, the crash of the last
 * session). `PostgresEngine#query` read `statement.params.map` unchecked (a TypeError escaped).
 *
 * Rule (src/numeric/edge.ts header; postgres-ledger.ts `rowsOf`, postgres.ts `readStatement`): no caller's value
 * reaches the driver before an edge guard has fixed its shape; arrays are read once with a bounded length.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';

const URL = process.env.TSDP_TEST_POSTGRES_URL;
const hugeArray = (length: number) => new Proxy([], { get: (_t, k) => (k === 'length' ? length : 'x') });

async function refusal(p: () => Promise<unknown>): Promise<string> {
  try {
    await p();
    return 'ok';
  } catch (e) {
    return e instanceof DpError ? e.code : `escaped ${(e as Error)?.constructor?.name}`;
  }
}

describe.skipIf(!URL)('PostgreSQL ledger and engine: hostile arguments never reach the driver (needs TSDP_TEST_POSTGRES_URL)', () => {
  const ledger = new PostgresLedger(URL ?? 'postgres://unused', { schema: 'tsdp_hostile_args' });
  const engines: PostgresEngine[] = [];
  afterAll(async () => {
    await ledger.close();
    for (const e of engines) await e.close();
  });

  it('regression: pins/entries of a Proxy array with length 1e308 are INVALID_PARAMETER (was: heap exhausted)', async () => {
    expect(await refusal(() => ledger.pins(hugeArray(1e308) as never))).toBe('INVALID_PARAMETER');
    expect(await refusal(() => ledger.entries(hugeArray(1e308) as never))).toBe('INVALID_PARAMETER');
    expect(await refusal(() => ledger.pins(['a'] as never))).toBe('INVALID_PARAMETER');
    expect(await ledger.pins('no-such-dataset')).toEqual([]);
  });

  it('regression: PostgresEngine#query of a non-statement is INVALID_PARAMETER; close twice is fine', async () => {
    const e = await PostgresEngine.open({ connectionString: URL as string });
    engines.push(e);
    expect(await refusal(() => e.query(undefined as never))).toBe('INVALID_PARAMETER');
    expect(await refusal(() => e.query({ sql: 'SELECT 1', params: hugeArray(1e308) } as never))).toBe('INVALID_PARAMETER');
    expect(
      await refusal(() => e.query({ sql: 'SELECT $1::text AS v', params: [{ value: hugeArray(2 ** 31), type: 'text' }] } as never)),
    ).toBe('INVALID_PARAMETER');
    expect(await e.query({ sql: 'SELECT $1::bigint AS v', params: [{ value: 5n, type: 'bigint' }] })).toEqual([{ v: '5' }]);
    await e.close();
    await e.close();
  });

  it('generative: any argument shape (arrays of any length, proxies, objects, scalars) is answered or refused with a DpError, and memory stays bounded (fast-check, seed 12)', async () => {
    const e = await PostgresEngine.open({ connectionString: URL as string });
    engines.push(e);
    const hostile = fc.oneof(
      fc.constantFrom<unknown>(null, undefined, 1n, Number.NaN, 1e308, '', {}, []),
      fc.string({ maxLength: 20 }),
      fc.double(),
      fc.integer({ min: 0, max: 2 ** 53 - 1 }).map((n) => hugeArray(n)),
      fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
    );
    const heap0 = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (a, b) => {
        for (const outcome of [
          await refusal(() => ledger.pins(a as never)),
          await refusal(() => ledger.entries(a as never)),
          await refusal(() => e.query({ sql: 'SELECT 1 AS one', params: a } as never)),
          await refusal(() => e.query({ sql: 'SELECT $1::text AS v', params: [{ value: b, type: 'text' }] } as never)),
        ])
          expect(outcome === 'ok' || outcome === 'INVALID_PARAMETER' || outcome === 'ENGINE_ERROR').toBe(true);
      }),
      { seed: 12, numRuns: 60 },
    );
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(256 * 2 ** 20);
  }, 60_000);
});
