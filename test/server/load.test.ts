/**
 * Load (issue 15): N analysts × M concurrent queries against one data set's
 * cap, over loopback, on real engines and ledgers (DuckDB + the file ledger;
 * PostgreSQL as a SELECT-only role + the PostgreSQL ledger under its own role).
 * The cap is never overspent (exact sums), no analyst passes its budget, every
 * answer released is one ledger entry (matched by its query text), and every
 * refusal is BUDGET_EXHAUSTED with nothing recorded for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLoss, type ExactLoss, ZERO_LOSS } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { BudgetLedger } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { setupPostgresLedger } from '../../src/ledger/postgres-setup.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';
import { call, EXAMPLES, type Running, startServer } from './_server.js';

interface Scenario {
  analysts: number;
  perAnalyst: number;
  /** Each query's ε is 1/denominator. */
  denominator: number;
  /** Each analyst's budget, in queries. */
  analystQueries: number;
  /** The cap, in queries. */
  capQueries: number;
}

/** Fires every query at once; checks the ledger against what was released. */
async function runScenario(s: Running, ledger: BudgetLedger, dataset: string, table: string, sc: Scenario): Promise<void> {
  const names = Array.from({ length: sc.analysts }, (_, i) => `a${i}`);
  const keys = names.map((a) => s.key(a));
  const eps = `1/${sc.denominator}`;
  const jobs = names.flatMap((a, i) =>
    Array.from({ length: sc.perAnalyst }, (_, j) => {
      const sql = `SELECT COUNT(*) AS n_${a}_${j} FROM ${table}`;
      return call(s.url, 'POST', '/v1/queries', { key: keys[i] as string, body: { dataset, sql, epsilon: eps } }).then((r) => ({
        a,
        sql,
        r,
      }));
    }),
  );
  const done = await Promise.all(jobs);
  const answered = done.filter((d) => d.r.status === 200);
  for (const d of done.filter((x) => x.r.status !== 200)) expect(d.r.body.error?.code, d.r.text).toBe('BUDGET_EXHAUSTED');
  const entries = await ledger.entries(dataset);
  // Every released answer is in the ledger (by its unique query text), and nothing else is.
  expect(entries.map((e) => e.memo).sort()).toEqual(answered.map((d) => d.sql).sort());
  let total: ExactLoss = ZERO_LOSS;
  const perAnalyst = new Map<string, number>();
  for (const e of entries) {
    total = addLoss(total, e);
    perAnalyst.set(e.analyst, (perAnalyst.get(e.analyst) ?? 0) + 1);
  }
  const q = Rational.parse(eps);
  expect(total.epsilon.le(q.mul(Rational.fromNumber(sc.capQueries)))).toBe(true);
  for (const n of perAnalyst.values()) expect(n).toBeLessThanOrEqual(sc.analystQueries);
  // The ledger serialises charges: exactly as many are answered as the tightest budget allows.
  const possible = Math.min(sc.capQueries, sc.analysts * Math.min(sc.analystQueries, sc.perAnalyst));
  expect(answered.length).toBe(possible);
}

function datasetsFor(name: string, _table: string, source: Record<string, unknown>, sc: Scenario) {
  const budget = (k: number) => ({ epsilon: `${k}/${sc.denominator}` });
  return {
    [name]: {
      schema: join(EXAMPLES, 'server/donors.schema.yaml'),
      ...source,
      cap: budget(sc.capQueries),
      analysts: Object.fromEntries(Array.from({ length: sc.analysts }, (_, i) => [`a${i}`, budget(sc.analystQueries)])),
    },
  };
}

describe('N analysts × M concurrent queries against one cap (DuckDB, file ledger)', () => {
  it('never overspends the cap or a budget; every answer is in the ledger, every refusal charged nothing', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          analysts: fc.integer({ min: 2, max: 4 }),
          perAnalyst: fc.integer({ min: 2, max: 6 }),
          denominator: fc.constantFrom(3, 7, 8, 11),
          analystQueries: fc.integer({ min: 1, max: 6 }),
          capQueries: fc.integer({ min: 2, max: 12 }),
        }),
        async (sc) => {
          const name = `load${run++}`;
          const source = { files: { donors: join(EXAMPLES, 'server/donors.csv') } };
          const analystQueries = Math.min(sc.analystQueries, sc.capQueries);
          const scenario = { ...sc, analystQueries };
          const s = await startServer({ datasets: datasetsFor(name, 'donors', source, scenario) });
          try {
            await runScenario(s, new FileLedger({ home: s.state }), name, 'donors', scenario);
          } finally {
            await s.close();
          }
        },
      ),
      { numRuns: 4, seed: 1515 },
    );
  });
});

describe('N analysts × M concurrent queries against one cap (PostgreSQL engine and ledger, separate roles)', () => {
  const admin = () => postgresTestUrl();
  let running: Running | undefined;
  let ledger: PostgresLedger | undefined;
  const as = (role: string, extra = '') => {
    const u = new URL(admin());
    u.username = role;
    u.password = '';
    return `${u.toString()}${extra}`;
  };

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: admin() });
    await client.connect();
    try {
      await client.query('CREATE SCHEMA IF NOT EXISTS srv_data');
      await client.query('DROP TABLE IF EXISTS srv_data.donors');
      await client.query('CREATE TABLE srv_data.donors (id integer, age integer, zip text, donated boolean)');
      const rows = readFileSync(join(EXAMPLES, 'server/donors.csv'), 'utf8').trim().split('\n').slice(1);
      await client.query(
        `INSERT INTO srv_data.donors SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::boolean[])`,
        [0, 1, 2, 3].map((c) => rows.map((r) => r.split(',')[c])),
      );
      for (const role of ['srv_query', 'srv_ledger']) {
        await client.query(`DO $$ BEGIN CREATE ROLE ${role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
      }
      await client.query('DROP SCHEMA IF EXISTS srv_ledger CASCADE');
      await client.query('ALTER ROLE srv_query SET search_path = srv_data');
    } finally {
      await client.end();
    }
    await setupPostgresLedger(admin(), {
      schema: 'srv_ledger',
      ledgerRole: 'srv_ledger_owner',
      queryRole: 'srv_reader',
      ledgerLogins: ['srv_ledger'],
      queryLogins: ['srv_query'],
      tables: ['srv_data.donors'],
    });
  });
  afterAll(async () => {
    await running?.close();
    await ledger?.close();
  });

  it('never overspends; every answer is in the PostgreSQL ledger, which the query role cannot write', async () => {
    const sc: Scenario = { analysts: 3, perAnalyst: 5, denominator: 10, analystQueries: 4, capQueries: 10 };
    const source = { db: as('srv_query', '?tsdp_reader_role=srv_reader') };
    running = await startServer({
      datasets: datasetsFor('pgload', 'donors', source, sc),
      ledger: { kind: 'postgres', url: as('srv_ledger'), schema: 'srv_ledger' },
    });
    ledger = new PostgresLedger(as('srv_ledger'), { schema: 'srv_ledger' });
    await runScenario(running, ledger, 'pgload', 'donors', sc);
    const q = new pg.Client({ connectionString: as('srv_query') });
    await q.connect();
    try {
      await q.query('SET ROLE srv_reader');
      await expect(q.query("DELETE FROM srv_ledger.spends WHERE dataset = 'pgload'")).rejects.toThrow(/permission denied/);
    } finally {
      await q.end();
    }
  });
});
