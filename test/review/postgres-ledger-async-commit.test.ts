/**
 * Review session 6, finding S20 (issue 10 class 6 "a spend is released only after its whole record is durable";
 * consequence: budgets forgotten after a crash of the database server).
 *
 * `PostgresLedger.charge` pins its transaction's isolation level (`BEGIN ISOLATION LEVEL READ COMMITTED`, because a
 * server, database, role or connection default must not weaken the check: trustdata 75ccca5), but it does not pin
 * durability: it commits with whatever `synchronous_commit` the server, database, role or connection string sets.
 * With `synchronous_commit = off` COMMIT returns before the commit record is flushed to the WAL; PostgreSQL's own
 * documentation says the last transactions (up to 3 × wal_writer_delay) are lost in a server crash. The receipt —
 * and with it the answer — leaves before the spend is durable; after a crash the spend is gone and the same ε can be
 * spent again. `scripts/postgres.sh` ("for tsdp's tests and for users") starts its clusters with
 * `-c synchronous_commit=off -c fsync=off`, so every PostgreSQL ledger on such a cluster commits asynchronously.
 *
 * Demonstration (no crash needed, deterministic): a trigger on the ledger's `spends` table records the
 * `synchronous_commit` setting of the charge's own transaction. The connection string sets it `off` (an operator's
 * `options=-c synchronous_commit=off`, the same channel the race test uses for `default_transaction_isolation`).
 *
 * Crash, measured by hand (PostgreSQL 15, this cluster, `wal_writer_delay = 10s`, `pg_ctl stop -m immediate` right
 * after the receipt, restart): with `synchronous_commit=off` in the URL the receipt said "spent 1", after the restart
 * the ledger said "spent 0" and a second charge of ε = 1 under the cap of 1 was ACCEPTED (3 of 3 runs); with
 * `synchronous_commit=on` in the URL the spend survived and the second charge was BUDGET_EXHAUSTED.
 *
 * A second member (S20b), found after the fix pinned synchronous_commit: the ledger's tables made UNLOGGED (by an operator,
 * or pre-created so) lose every spend in crash recovery — measured: logged table + synchronous commit → the spend
 * survived an immediate stop; UNLOGGED → gone, and a second ε = 1 under cap 1 accepted. The ledger checks neither.
 *
 * Rule that would close the class: the charge pins durability the way it pins isolation — `SET LOCAL
 * synchronous_commit = on` (or `local`) inside its transaction — and the ledger refuses at setup (and re-checks cheaply per charge) a server whose
 * `fsync` is off or a ledger table whose `relpersistence` is not 'p' (it cannot be made durable from the client), with a typed error naming the setting.
 * Owner: trust (src/ledger/postgres-ledger.ts; scripts/postgres.sh's header should not say "for users" while it
 * turns durability off, or should say what that means for a ledger).
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const schema = `review_async_${process.pid}`;
const audit = `review_async_audit_${process.pid}`;

function withAsyncCommit(url: string): string {
  const u = new URL(url);
  u.searchParams.set('options', '-c synchronous_commit=off');
  return u.toString();
}

afterAll(async () => {
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.query(`DROP TABLE IF EXISTS public.${audit}`);
  await c.query(`DROP FUNCTION IF EXISTS public.${audit}_record()`);
  await c.end();
});

describe('review S20: the PostgreSQL ledger commits a charge with the connection default synchronous_commit', () => {
  it('regression, was BUG S20 (class 6): with synchronous_commit = off as the connection default, the charge commits asynchronously (its receipt precedes durability)', async () => {
    const ledger = new PostgresLedger(withAsyncCommit(postgresTestUrl()), { schema });
    const scope = { dataset: 'async', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    await ledger.status(scope); // creates the ledger's tables
    const admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    let settings: string[];
    try {
      await admin.query(`CREATE TABLE public.${audit} (setting text)`);
      await admin.query(
        `CREATE FUNCTION public.${audit}_record() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
          `INSERT INTO public.${audit} VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$`,
      );
      await admin.query(`CREATE TRIGGER ${audit} AFTER INSERT ON ${schema}.spends FOR EACH ROW EXECUTE FUNCTION public.${audit}_record()`);
      await ledger.charge(scope, { epsilon: Rational.of(1n, 2n), delta: Rational.ZERO, rho: Rational.ZERO }, 'SELECT COUNT(*) FROM t');
      settings = (await admin.query(`SELECT setting FROM public.${audit}`)).rows.map((r) => String(r.setting));
    } finally {
      await admin.end();
      await ledger.close();
    }
    // One spend recorded; its transaction must have committed synchronously (flushed before COMMIT returned).
    expect(settings.length).toBe(1);
    expect(['on', 'local', 'remote_write', 'remote_apply']).toContain(settings[0]);
  });
  it('regression, was BUG S20b (class 6, another member): a ledger whose spends table is UNLOGGED charges without complaint (PostgreSQL truncates unlogged tables in crash recovery)', async () => {
    const schemaU = `${schema}_u`;
    const ledger = new PostgresLedger(postgresTestUrl(), { schema: schemaU });
    const scope = { dataset: 'unlogged', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    let outcome: string;
    const admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    try {
      await ledger.status(scope); // creates the ledger's tables
      // An operator "tunes" the ledger (or pre-creates it so): its rows are no longer WAL-logged.
      await admin.query(`ALTER TABLE ${schemaU}.spends SET UNLOGGED`);
      try {
        await ledger.charge(scope, { epsilon: Rational.of(1n, 2n), delta: Rational.ZERO, rho: Rational.ZERO }, 'SELECT COUNT(*) FROM t');
        outcome = 'charged';
      } catch (e) {
        outcome = String((e as { code?: unknown }).code);
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schemaU} CASCADE`);
      await admin.end();
      await ledger.close();
    }
    // Measured by hand: with synchronous_commit=on in the URL, a charge recorded in an UNLOGGED spends table was gone
    // after `pg_ctl stop -m immediate` + restart and a second ε = 1 charge under cap 1 was accepted (logged: refused).
    // The ledger must refuse to record spends in a table that does not survive a crash.
    expect(outcome).not.toBe('charged');
  });
});
