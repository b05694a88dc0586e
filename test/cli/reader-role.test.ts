/**
 * The PostgreSQL query role is reachable from the CLI and from openDataSource
 * (src/sql/open-data.ts header): `--reader-role`, `readerRole`, or
 * `?tsdp_reader_role=` in the URL make every query switch to the SELECT-only
 * role an administrator made with setupPostgresLedger; without one, queries run
 * as the connecting role. On a real PostgreSQL: the connecting login may read
 * `people` itself, the query role may read only `other`, so which role ran a
 * query shows in whether `people` is answered or refused before the charge.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { setupPostgresLedger } from '../../src/ledger/postgres-setup.js';
import { openDataSource, postgresTarget } from '../../src/sql/open-data.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { postgresTestUrl } from '../sql/postgres-url.js';
import { tsdp } from './run-cli.js';

const tag = `rr${process.pid}x${Date.now().toString(36)}`;
const n = { login: `${tag}_svc`, reader: `${tag}_reader`, owner: `${tag}_owner`, ledger: `${tag}_ledger`, data: `${tag}_data` };
const schema = parseSqlSchema({
  dataset: tag,
  budget: { epsilon: 100 },
  tables: {
    people: { columns: { age: { type: 'integer', lower: 0, upper: 100 } } },
    other: { columns: { age: { type: 'integer', lower: 0, upper: 100 } } },
  },
});

describe('the PostgreSQL query role (--reader-role)', () => {
  let admin: pg.Client;
  let login: string;

  beforeAll(async () => {
    const url = postgresTestUrl();
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${n.login} LOGIN`);
    await admin.query(`CREATE SCHEMA ${n.data}`);
    await admin.query(`CREATE TABLE ${n.data}.people (age int)`);
    await admin.query(`CREATE TABLE ${n.data}.other (age int)`);
    await admin.query(`INSERT INTO ${n.data}.people VALUES (30), (40)`);
    await admin.query(`INSERT INTO ${n.data}.other VALUES (50)`);
    // The login itself may read people (a broad login); the query role only other.
    await admin.query(`GRANT USAGE ON SCHEMA ${n.data} TO ${n.login}`);
    await admin.query(`GRANT SELECT ON ${n.data}.people TO ${n.login}`);
    await admin.query(`ALTER ROLE ${n.login} SET search_path = ${n.data}`);
    await setupPostgresLedger(url, {
      schema: n.ledger,
      ledgerRole: n.owner,
      queryRole: n.reader,
      queryLogins: [n.login],
      tables: [`${n.data}.other`],
    });
    const u = new URL(url);
    u.username = n.login;
    u.password = '';
    login = u.toString();
  });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${n.ledger} CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS ${n.data} CASCADE`);
    for (const r of [n.login, n.reader, n.owner]) {
      await admin.query(`DROP OWNED BY ${r}`).catch(() => {});
      await admin.query(`DROP ROLE IF EXISTS ${r}`).catch(() => {});
    }
    await admin.end();
  });

  /** Runs `sql` through openDataSource + runDpSql with a file ledger; returns the error code or 'ok', and the entries charged. */
  async function run(db: string, sql: string, readerRole?: string): Promise<{ outcome: string; charged: number }> {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-reader-'));
    let outcome = 'ok';
    try {
      const { engine, ledger } = await openDataSource({ db, ledger: 'file', home, readerRole }, schema);
      try {
        await runDpSql({ sql, schema, engine, ledger, epsilon: 1, rng: new SeededRandomSource(3) });
      } finally {
        await engine.close();
        await ledger.close();
      }
    } catch (e) {
      outcome = (e as { code?: string }).code ?? 'error';
    }
    const ledger = new FileLedger({ home });
    const charged = (await ledger.entries(tag)).length;
    await ledger.close();
    return { outcome, charged };
  }

  it('without a query role, queries run as the connecting login (it reads people)', async () => {
    expect(await run(login, 'SELECT COUNT(*) AS n FROM people')).toEqual({ outcome: 'ok', charged: 1 });
  });

  it('with readerRole, or tsdp_reader_role in the URL, queries run as the query role: people is refused before the charge, other is answered', async () => {
    expect(await run(login, 'SELECT COUNT(*) AS n FROM people', n.reader)).toEqual({ outcome: 'NOT_FOUND', charged: 0 });
    expect(await run(`${login}?tsdp_reader_role=${n.reader}`, 'SELECT COUNT(*) AS n FROM people')).toEqual({
      outcome: 'NOT_FOUND',
      charged: 0,
    });
    expect(await run(login, `SELECT COUNT(*) AS n FROM other`, n.reader)).toEqual({ outcome: 'ok', charged: 1 });
    // An explicit "none" overrides the URL's role.
    expect(await run(`${login}?tsdp_reader_role=${n.reader}`, 'SELECT COUNT(*) AS n FROM people', 'none')).toEqual({
      outcome: 'ok',
      charged: 1,
    });
  });

  it('a query role that was not set up is refused at open (ENGINE_ERROR), nothing charged', async () => {
    expect(await run(login, 'SELECT COUNT(*) AS n FROM other', `${tag}_nobody`)).toEqual({ outcome: 'ENGINE_ERROR', charged: 0 });
  });

  it('schema init reads a PostgreSQL table as the query role too (openPostgresSource): people is not visible to it, other is', async () => {
    const { openPostgresSource } = await import('../../src/cli/draft-source.js');
    const asLogin = await openPostgresSource(login, `${n.data}.people`, 'people');
    expect(asLogin.columns.map((c) => c.name)).toEqual(['age']);
    await asLogin.close();
    await expect(openPostgresSource(login, `${n.data}.people`, 'people', n.reader)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const asReader = await openPostgresSource(`${login}?tsdp_reader_role=${n.reader}`, `${n.data}.other`, 'other');
    expect(asReader.columns.map((c) => c.name)).toEqual(['age']);
    await asReader.close();
    await expect(openPostgresSource(login, `${n.data}.other`, 'other', `${tag}_nobody`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('tsdp sql --reader-role: the flag reaches the engine, and stderr names the role', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-reader-cli-'));
    const schemaFile = join(home, 's.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      schemaFile,
      JSON.stringify({
        dataset: tag,
        budget: { epsilon: 100 },
        tables: { people: { columns: { age: { type: 'integer', lower: 0, upper: 100 } } } },
      }),
    );
    const args = ['sql', '--db', login, '--ledger', 'file', '--schema', schemaFile, '--epsilon', '1', 'SELECT COUNT(*) AS n FROM people'];
    const plain = await tsdp(args, home);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain('queries run as the connecting PostgreSQL role');
    const asReader = await tsdp([...args.slice(0, -1), '--reader-role', n.reader, '--json', args.at(-1) as string], home);
    expect(asReader.code).not.toBe(0);
    expect(JSON.parse(asReader.stdout || asReader.stderr).error.code).toBe('NOT_FOUND');
  });
});

describe('postgresTarget (fast-check, seed 31)', () => {
  it('a role is a lower-case identifier or refused; the URL parameter is removed from the driver URL; an explicit role wins', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/), fc.string({ maxLength: 12 })),
        fc.option(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/), { nil: undefined }),
        (role, explicit) => {
          const url = `postgres://u@h:5432/db?application_name=x&tsdp_reader_role=${encodeURIComponent(role)}`;
          const valid = role === '' || role === 'none' || /^[a-z_][a-z0-9_]{0,62}$/.test(role);
          if (explicit === undefined && !valid) {
            expect(() => postgresTarget(url)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
            return;
          }
          const t = postgresTarget(url, explicit);
          expect(t.url).not.toContain('tsdp_reader_role');
          expect(t.url).toContain('application_name=x');
          const expected = explicit ?? (role === '' || role === 'none' ? undefined : role);
          expect(t.readerRole).toBe(expected === 'none' ? undefined : expected);
        },
      ),
      { numRuns: 200, seed: 31 },
    );
  });

  it('--reader-role without PostgreSQL is INVALID_PARAMETER', async () => {
    await expect(openDataSource({ data: ['examples/adult.csv'], readerRole: 'tsdp_reader' }, schema)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
    });
  });
});
