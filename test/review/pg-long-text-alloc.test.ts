/**
 * Review stop 19 (second shift), finding S59 — class 3 ("one person's stored value makes a charged query fail"),
 * PostgreSQL only.
 *
 * PostgreSQL refuses any single allocation above MaxAllocSize (1 GB − 1) with "invalid memory alloc request size",
 * a hard limit that no setting tsdp pins (`work_mem`, `temp_file_limit`) moves. `upper`/`lower` on a text whose
 * collation is not "C" (the project's clusters use C.UTF-8, `scripts/postgres.sh`) first widen the string to
 * `wchar_t`: 4 bytes per input BYTE, so one person's text of 268,435,456 bytes or more (a 256 MB value; PostgreSQL
 * stores up to 1 GB) makes every charged query that applies UPPER/LOWER to the column fail after the charge with
 * ENGINE_ERROR, whatever the other rows. The analyst can lower the threshold at will: `||` builds its result in one
 * allocation, so `UPPER(v || v || v || v)` fails for a value over 64 MB (run in psql: 70 MB fails, 60 MB is answered), and k copies for 1 GB / (4k); with
 * `WHERE pid = 42 AND …` the bit is about one chosen person's length. This is not the resource concession of
 * `resource-limits.ts` (a statement's working set growing with the number of rows): it is a deterministic engine
 * limit on ONE value, decided by that value. ClickHouse 18.16 answers `upperUTF8` of the same 270 MB value (and `lowerUTF8` of a 540 MB concatenation); DuckDB 1.5 answers both too (run in the engines directly, not through the DP path).
 *
 * Rule that would close the class: a string function of the compiled SQL reads a text only up to a fixed public
 * length L (as the date functions read years 1–9999 only), NULL beyond — every `||`, `upper`, `lower`, `trim` and
 * `like` operand guarded `CASE WHEN octet_length(x) <= L THEN … END`, with L chosen so that the widest intermediate
 * the SQL can build from guarded operands (4·L for upper/lower, the sum of the operands' L for `||`, itself guarded)
 * stays below 1 GB — or, in `checkPublicStructure`, a declared PostgreSQL string column must be `varchar(n)` /
 * `char(n)` with n small enough for that bound. Owner: trust (engine/type checks; compile-expr.ts's string
 * functions are acct's `src/sql`).
 *
 * Run against TSDP_TEST_POSTGRES_URL (skipped without it). Loads one 270 MB text (≈ 5 s, ≈ 1.3 GB of server memory
 * transiently for the failing control query; nothing of that size is allocated, PostgreSQL refuses the request).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { postgresTestUrl } from '../sql/postgres-url.js';
import { outcome, sweepSchema } from './engine-extremes-sweep.js';

const url = process.env.TSDP_TEST_POSTGRES_URL ? postgresTestUrl() : '';
let engine: PostgresEngine;
let client: pg.Client;
beforeAll(async () => {
  if (!url) return;
  engine = await PostgresEngine.open({ connectionString: url, statementTimeoutMs: 60_000 });
  client = new pg.Client(url);
  await client.connect();
  await client.query(`
    DROP TABLE IF EXISTS rv_text_small, rv_text_long;
    CREATE TABLE rv_text_small (pid bigint, v text);
    INSERT INTO rv_text_small SELECT i, 'a' FROM generate_series(1, 20) i;
    CREATE TABLE rv_text_long AS SELECT * FROM rv_text_small;
    INSERT INTO rv_text_long VALUES (21, repeat('x', 270000000));`);
}, 120_000);
afterAll(async () => {
  await client?.query('DROP TABLE IF EXISTS rv_text_small, rv_text_long');
  await client?.end();
  await engine?.close();
});

const run = (sql: string, table: string) => outcome(engine, sweepSchema('string', table), sql.replace('$T', table));

describe.skipIf(!url)('review S59: one person’s long text fails UPPER/LOWER after the charge (PostgreSQL)', () => {
  const SQL = "SELECT COUNT(*) AS n FROM $T WHERE UPPER(v) = 'A' OR LOWER(v) = 'b'";
  it('control: the same query over the 20 short texts is answered', async () => {
    expect(await run(SQL, 'rv_text_small')).toBe('answered');
  }, 120_000);
  it('S59: one more person with a 270 MB text — answered or refused before the charge, never charged then failed', async () => {
    expect(await run(SQL, 'rv_text_long')).not.toMatch(/^charged-error/);
  }, 120_000);
});
