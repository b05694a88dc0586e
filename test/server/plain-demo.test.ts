/**
 * The non-private demo endpoint (`POST /v1/demo/plain-queries`,
 * src/server/plain-demo.ts): exact answers only on a data set the operator
 * marked `nonPrivateDemo`, only for queries the DP SQL planner accepts, never
 * charged; NOT_FOUND alike on private and missing data sets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { runPlainDemoQuery } from '../../src/server/plain-demo.js';
import { explainDpSql } from '../../src/sql/explain-dp-sql.js';
import { call, EXAMPLES, type Running, startServer } from './_server.js';

let s: Running;
let alice = '';
const ALL = 'SELECT COUNT(*) AS n, SUM(age) AS total_age FROM donors WHERE donated';
const WITHOUT = "SELECT COUNT(*) AS n, SUM(age) AS total_age FROM donors WHERE donated AND zip <> '02139'";

beforeAll(async () => {
  s = await startServer({
    datasets: {
      adult: {
        schema: join(EXAMPLES, 'adult.schema.json'),
        files: { adult: join(EXAMPLES, 'adult.csv') },
        cap: { epsilon: 10, delta: 1e-6 },
        analysts: { alice: { epsilon: 2, delta: 1e-7 } },
      },
      donors: {
        schema: join(EXAMPLES, 'server/donors.schema.yaml'),
        files: { donors: join(EXAMPLES, 'server/donors.csv') },
        nonPrivateDemo: true,
        analysts: { alice: { epsilon: 1 } },
      },
    },
  });
  alice = s.key('alice');
});
afterAll(async () => {
  await s.close();
});

const spent = async () =>
  (await new FileLedger({ home: s.state }).entries('donors')).length + (await new FileLedger({ home: s.state }).entries('adult')).length;

/** The donors as the CSV has them. */
function donors() {
  return readFileSync(join(EXAMPLES, 'server/donors.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .map(([, age, zip, donated]) => ({ age: Number(age), zip, donated: donated === 'true' }));
}

describe('POST /v1/demo/plain-queries', () => {
  it("answers exactly on the non-private demo data set: the two averages give Zoe's age away", async () => {
    const before = await spent();
    const a = await call(s.url, 'POST', '/v1/demo/plain-queries', { key: alice, body: { dataset: 'donors', sql: ALL } });
    const b = await call(s.url, 'POST', '/v1/demo/plain-queries', { key: alice, body: { dataset: 'donors', sql: WITHOUT } });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ dataset: 'donors', nonPrivate: true, columns: ['n', 'total_age'] });
    const rows = donors().filter((d) => d.donated);
    expect(a.body.rows).toEqual([[rows.length, rows.reduce((t, d) => t + d.age, 0)]]);
    const [[, totalA], [, totalB]] = [a.body.rows, b.body.rows].map((r) => (r as number[][])[0] as number[]) as [number[], number[]];
    expect(Number(totalA) - Number(totalB)).toBe(67);
    expect(await spent()).toBe(before);
    const listed = await call(s.url, 'GET', '/v1/datasets', { key: alice });
    const flags = (listed.body.datasets as { name: string; nonPrivateDemo?: boolean }[]).map((d) => [d.name, d.nonPrivateDemo ?? false]);
    expect(flags).toEqual([
      ['adult', false],
      ['donors', true],
    ]);
  });

  it('answers NOT_FOUND alike on a private data set and a missing one, and needs a key', async () => {
    const sql = 'SELECT COUNT(*) AS n FROM adult';
    const onPrivate = await call(s.url, 'POST', '/v1/demo/plain-queries', { key: alice, body: { dataset: 'adult', sql } });
    const onMissing = await call(s.url, 'POST', '/v1/demo/plain-queries', { key: alice, body: { dataset: 'nope', sql } });
    expect(onPrivate.status).toBe(404);
    expect(onPrivate.body.error?.code).toBe('NOT_FOUND');
    expect(onPrivate.body.error?.message).toBe(onMissing.body.error?.message);
    expect((await call(s.url, 'POST', '/v1/demo/plain-queries', { body: { dataset: 'donors', sql: ALL } })).status).toBe(401);
  });

  it('runs only what the DP SQL planner accepts (no file, catalog or side-effect function, no second statement)', async () => {
    for (const sql of [
      'SELECT * FROM donors',
      "SELECT COUNT(*) AS n FROM read_csv('/etc/passwd')",
      'SELECT COUNT(*) AS n FROM donors; DROP VIEW donors',
      'SELECT COUNT(*) AS n FROM information_schema.tables',
    ]) {
      const r = await call(s.url, 'POST', '/v1/demo/plain-queries', { key: alice, body: { dataset: 'donors', sql } });
      expect(r.status, sql).toBe(422);
      expect(r.body.error?.code).toBe('UNSUPPORTED_QUERY');
    }
  });

  it('the class: a random query is answered exactly iff the planner accepts it, and nothing is ever charged', async () => {
    const d = s.server.datasets.get('donors');
    if (!d) throw new Error('donors not open');
    const before = await spent();
    const agg = fc.constantFrom('COUNT(*)', 'SUM(age)', 'AVG(age)', 'MIN(age)', 'COUNT(DISTINCT id)', 'age', '*', 'id', "read_csv('x')");
    const where = fc.constantFrom(
      '',
      ' WHERE donated',
      " WHERE zip = '02139'",
      ' WHERE age > 60',
      " WHERE zip LIKE '%1%'",
      ' WHERE 1/0 = 1',
    );
    const group = fc.constantFrom('', ' GROUP BY zip', ' GROUP BY donated', ' GROUP BY age', ' ORDER BY 1');
    const from = fc.constantFrom('donors', 'adult', 'pg_catalog.pg_tables');
    await fc.assert(
      fc.asyncProperty(agg, where, group, from, async (a, w, g, f) => {
        const sql = `SELECT ${a} AS x FROM ${f}${w}${g}`;
        let accepted = true;
        try {
          explainDpSql(sql, d.schema, d.engine.dialect, { epsilon: 1, delta: 1e-9 });
        } catch {
          accepted = false;
        }
        const answer = await runPlainDemoQuery(d, sql).catch((e: unknown) => e);
        expect(isDpError(answer) ? 'refused' : 'answered').toBe(accepted ? 'answered' : 'refused');
        if (!accepted) expect(isDpError(answer, 'UNSUPPORTED_QUERY') || isDpError(answer, 'INVALID_PARAMETER')).toBe(true);
      }),
      { seed: 15, numRuns: 60 },
    );
    expect(await spent()).toBe(before);
  });

  it('refuses a data set that is not a non-private demo and bad arguments with typed errors', async () => {
    const adult = s.server.datasets.get('adult');
    const donorsSet = s.server.datasets.get('donors');
    await expect(runPlainDemoQuery(adult as never, 'SELECT COUNT(*) AS n FROM adult')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(runPlainDemoQuery(undefined as never, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(runPlainDemoQuery(donorsSet as never, 42 as never)).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
  });
});
