/**
 * Item 8: the PostgreSQL ledger lives in its own schema owned by a ledger role; queries run as a role
 * with SELECT on the declared tables only; the setup is explicit. Rules: src/ledger/postgres-ledger.ts header.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { postgresLedgerSetupSql, setupPostgresLedger } from '../../src/ledger/postgres-setup.js';
import { Rational } from '../../src/numeric/rational.js';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const tag = `r${process.pid}x${Date.now().toString(36)}`;
const names = {
  schema: `${tag}_ledger`,
  ledgerRole: `${tag}_owner`,
  queryRole: `${tag}_reader`,
  ledgerLogin: `${tag}_service`,
  analystLogin: `${tag}_analyst`,
  data: `${tag}_data`,
};
const asUser = (url: string, user: string) => {
  const u = new URL(url);
  u.username = user;
  u.password = '';
  return u.toString();
};
const cost = { epsilon: Rational.of(1n, 4n), delta: Rational.ZERO, rho: Rational.ZERO };
const cap = { epsilon: Rational.ONE, delta: Rational.ZERO };

/** Runs `sql` as `role` (SET ROLE inside a transaction, rolled back); returns the SQLSTATE or 'ok'. */
async function asRole(admin: pg.Client, role: string, sql: string): Promise<string> {
  await admin.query('BEGIN');
  try {
    await admin.query(`SET LOCAL ROLE ${role}`);
    await admin.query(sql);
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? 'error';
  } finally {
    await admin.query('ROLLBACK');
  }
}

/** Every way to change (or read) the ledger that a query role might try. */
const ATTACKS = (s: string) => [
  `INSERT INTO ${s}.spends (dataset, analyst, epsilon, delta, memo) VALUES ('d', 'a', '-5', '0', 'refill')`,
  `UPDATE ${s}.spends SET epsilon = '0'`,
  `DELETE FROM ${s}.spends`,
  `TRUNCATE ${s}.spends`,
  `DROP TABLE ${s}.spends`,
  `ALTER TABLE ${s}.spends RENAME TO old`,
  `DELETE FROM ${s}.datasets`,
  `DROP TABLE ${s}.datasets`,
  `TRUNCATE ${s}.datasets`,
  `DROP SCHEMA ${s} CASCADE`,
  `CREATE TABLE ${s}.shadow (x int)`,
  `SELECT setval('${s}.spends_id_seq', 1)`,
  `SELECT memo FROM ${s}.spends`,
  `GRANT ALL ON ${s}.spends TO PUBLIC`,
];

describe('the PostgreSQL ledger in its own schema (item 8)', () => {
  let url: string;
  let admin: pg.Client;

  beforeAll(async () => {
    url = postgresTestUrl();
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${names.ledgerLogin} LOGIN`);
    await admin.query(`CREATE ROLE ${names.analystLogin} LOGIN`);
    await admin.query(`CREATE SCHEMA ${names.data}`);
    await admin.query(`CREATE TABLE ${names.data}.people (x int)`);
    await admin.query(`CREATE TABLE ${names.data}.secret (x int)`);
    await admin.query(`INSERT INTO ${names.data}.people VALUES (1), (2)`);
    await setupPostgresLedger(url, {
      schema: names.schema,
      ledgerRole: names.ledgerRole,
      ledgerLogins: [names.ledgerLogin],
      queryRole: names.queryRole,
      queryLogins: [names.analystLogin],
      tables: [`${names.data}.people`],
    });
  });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${names.schema} CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS ${names.data} CASCADE`);
    for (const r of [names.ledgerLogin, names.analystLogin, names.queryRole, names.ledgerRole]) {
      await admin.query(`DROP OWNED BY ${r}`).catch(() => {});
      await admin.query(`DROP ROLE IF EXISTS ${r}`).catch(() => {});
    }
    await admin.end();
  });

  it('the setup is explicit SQL: no grant on the ledger schema to the query role, SELECT on the declared tables only', () => {
    const sql = postgresLedgerSetupSql({ tables: ['public.adult'], ledgerLogins: ['svc'], queryLogins: ['svc'] });
    expect(sql).toContain('REVOKE ALL ON SCHEMA tsdp_ledger FROM PUBLIC');
    expect(sql).toContain('GRANT SELECT ON public.adult TO tsdp_reader');
    expect(sql.filter((s) => /GRANT .* TO tsdp_reader/.test(s) && /tsdp_ledger/.test(s))).toEqual([]);
    expect(() => postgresLedgerSetupSql({ tables: ['x; DROP TABLE y'] })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('the ledger login charges; the ledger tables are in the ledger schema, owned by the ledger role', async () => {
    const ledger = new PostgresLedger(asUser(url, names.ledgerLogin), { schema: names.schema });
    try {
      await ledger.charge({ dataset: 'd', cap }, cost, 'q');
      expect((await ledger.entries('d')).length).toBe(1);
      expect(ledger.location).toContain(`schema ${names.schema}`);
    } finally {
      await ledger.close();
    }
    const { rows } = await admin.query(`SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [
      names.schema,
    ]);
    expect(rows).toEqual([
      { tablename: 'datasets', tableowner: names.ledgerRole },
      { tablename: 'pins', tableowner: names.ledgerRole },
      { tablename: 'spends', tableowner: names.ledgerRole },
    ]);
  });

  it('the query role and the analyst login cannot insert, update, delete, truncate, drop, alter or read the ledger (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ATTACKS(names.schema)),
        fc.constantFrom(names.queryRole, names.analystLogin),
        async (sql, role) => {
          expect(await asRole(admin, role, sql)).toBe('42501'); // insufficient_privilege
        },
      ),
      { seed: 20261205, numRuns: 60 },
    );
    // And directly, logged in as the analyst (not via SET ROLE from a superuser):
    const analyst = new pg.Client({ connectionString: asUser(url, names.analystLogin) });
    await analyst.connect();
    try {
      for (const sql of ATTACKS(names.schema)) {
        await expect(analyst.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
    } finally {
      await analyst.end();
    }
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${names.schema}.spends`)).rows[0].n).toBeGreaterThanOrEqual(1);
  });

  it('the query role reads the declared table and nothing else', async () => {
    expect(await asRole(admin, names.queryRole, `SELECT count(*) FROM ${names.data}.people`)).toBe('ok');
    expect(await asRole(admin, names.queryRole, `SELECT count(*) FROM ${names.data}.secret`)).toBe('42501');
    expect(await asRole(admin, names.queryRole, `INSERT INTO ${names.data}.people VALUES (3)`)).toBe('42501');
  });

  it('the engine switches to a requested query role only when set up (else refuses), and creates or grants nothing itself', async () => {
    const before = (await admin.query(`SELECT count(*)::int AS n FROM pg_roles`)).rows[0].n;
    const engine = await PostgresEngine.open({ connectionString: asUser(url, names.analystLogin), readerRole: names.queryRole });
    try {
      expect(engine.readerRole).toBe(names.queryRole);
    } finally {
      await engine.close();
    }
    // A requested query role that was not set up is refused (fail closed), not created.
    await expect(PostgresEngine.open({ connectionString: url, readerRole: `${tag}_nobody` })).rejects.toMatchObject({
      code: 'ENGINE_ERROR',
    });
    const plain = await PostgresEngine.open({ connectionString: url });
    try {
      expect(plain.readerRole).toBeNull();
    } finally {
      await plain.close();
    }
    expect((await admin.query(`SELECT count(*)::int AS n FROM pg_roles`)).rows[0].n).toBe(before);
  });
});
