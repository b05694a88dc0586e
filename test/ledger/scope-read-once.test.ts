/**
 * Review S21, S21b, S20 and S20b (issue 10: class 12 read-once at the edge, class 6 durability), for both ledgers.
 * Rules (src/ledger/postgres-ledger.ts header, src/ledger/ledger.ts `readScope`): a charge reads its scope and its cost
 * once (snapshots), so the data set whose spends are summed is the data set the spend is recorded on, and the cost
 * decided is the cost journaled (S21b); the PostgreSQL charge pins `synchronous_commit = on` in its own transaction,
 * so its receipt follows durability, and refuses tables that crash recovery would empty (UNLOGGED, S20b).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { BudgetLedger, LedgerScope } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const schema = `trust_read_once_${process.pid}`;
const audit = `trust_read_once_audit_${process.pid}`;
const cap = { epsilon: Rational.ONE, delta: Rational.ZERO };
const one = { epsilon: Rational.ONE, delta: Rational.ZERO, rho: Rational.ZERO };
const ledgers: { name: string; ledger: BudgetLedger & { close(): Promise<void> } }[] = [
  { name: 'FileLedger', ledger: new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-read-once-')) }) },
  { name: 'PostgresLedger', ledger: new PostgresLedger(postgresTestUrl(), { schema }) },
];

afterAll(async () => {
  for (const { ledger } of ledgers) await ledger.close();
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.query(`DROP TABLE IF EXISTS public.${audit}`);
  await c.query(`DROP FUNCTION IF EXISTS public.${audit}_record() CASCADE`);
  await c.end();
});

/** A scope whose `dataset` names `other` on the k-th read and `victim` on every other read. */
function shiftyScope(victim: string, other: string, k: number): LedgerScope {
  let reads = 0;
  return {
    get dataset() {
      reads++;
      return reads === k ? other : victim;
    },
    cap,
  } as LedgerScope;
}

let run = 0;
describe.each(ledgers)('review S21: $name reads the scope once', ({ ledger }) => {
  it('regression: a spent data set refuses a charge through a scope whose dataset getter changes on the 3rd read', async () => {
    const victim = `v${run++}`;
    await ledger.charge({ dataset: victim, cap }, one, 'SELECT 1');
    await expect(ledger.charge(shiftyScope(victim, `${victim}_x`, 3), one, 'SELECT 2')).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    expect((await ledger.status({ dataset: `${victim}_x`, cap })).dataset.spent.epsilon.toString()).toBe('0');
  });

  it('generative: whichever read the getter changes, no data set ever spends beyond its cap (fast-check, seed 21)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (k) => {
        const victim = `g${run++}`;
        const other = `${victim}_x`;
        await ledger.charge({ dataset: victim, cap }, one, 'SELECT 1');
        await ledger.charge(shiftyScope(victim, other, k), one, 'SELECT 2').catch(() => undefined);
        for (const d of [victim, other]) {
          const spent = (await ledger.status({ dataset: d, cap })).dataset.spent.epsilon;
          expect(spent.le(Rational.ONE)).toBe(true);
        }
      }),
      { seed: 21, numRuns: 12 },
    );
  });
});

/** A cost whose ε reads 1/2 on the k-th read and 0 on every other read. */
function shiftyCost(k: number) {
  let reads = 0;
  return {
    get epsilon() {
      reads++;
      return reads === k ? Rational.of(1n, 2n) : Rational.ZERO;
    },
    delta: Rational.ZERO,
    rho: Rational.ZERO,
  };
}

describe.each(ledgers)('review S21b: $name decides and records the same cost', ({ name, ledger }) => {
  it('generative: whichever read of ε says 1/2, ε is read once — the ledger records exactly what it decided — and two such charges never pass a cap of 3/4 (fast-check, seed 22)', async () => {
    const cap34 = { epsilon: Rational.of(3n, 4n), delta: Rational.ZERO };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.boolean(), async (k, many) => {
        const dataset = `c${run++}`;
        const scope = { dataset, cap: cap34 };
        const charge = async () => {
          if (many && name === 'FileLedger') {
            const [r] = await (ledger as FileLedger).chargeMany([{ scope, cost: shiftyCost(k) as never, memo: 'q' }]);
            if (r instanceof Error) throw r;
            return r as Awaited<ReturnType<BudgetLedger['charge']>>;
          }
          return ledger.charge(scope, shiftyCost(k) as never, 'q');
        };
        const first = await charge().catch(() => undefined);
        const second = await charge().catch(() => undefined);
        const spent = (await ledger.status(scope)).dataset.spent.epsilon;
        expect(spent.le(cap34.epsilon)).toBe(true);
        // each field is read exactly once: only when that one read says 1/2 is anything spent (and then exactly once)
        expect(spent.toString()).toBe(k === 1 ? '1/2' : '0');
        // what a receipt states is what the ledger holds
        const stated = second ?? first;
        if (stated) expect(stated.dataset.spent.epsilon.equals(spent)).toBe(true);
      }),
      { seed: 22, numRuns: 12 },
    );
  });
});

describe('review S20b: the PostgreSQL ledger refuses tables that crash recovery empties', () => {
  it('regression: with its spends table set UNLOGGED, a charge is refused (INTERNAL) and nothing is recorded; SET LOGGED again, it charges', async () => {
    const schemaU = `${schema}_u`;
    const ledger = new PostgresLedger(postgresTestUrl(), { schema: schemaU });
    const scope = { dataset: 'unlogged', cap };
    const admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    try {
      await ledger.status(scope);
      await admin.query(`ALTER TABLE ${schemaU}.spends SET UNLOGGED`);
      await expect(
        ledger.charge(scope, { epsilon: Rational.of(1n, 2n), delta: Rational.ZERO, rho: Rational.ZERO }, 'q'),
      ).rejects.toMatchObject({
        code: 'INTERNAL',
      });
      expect((await ledger.status(scope)).dataset.spent.epsilon.toString()).toBe('0');
      await admin.query(`ALTER TABLE ${schemaU}.spends SET LOGGED`);
      const s = await ledger.charge(scope, { epsilon: Rational.of(1n, 2n), delta: Rational.ZERO, rho: Rational.ZERO }, 'q');
      expect(s.dataset.spent.epsilon.toString()).toBe('1/2');
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schemaU} CASCADE`);
      await admin.end();
      await ledger.close();
    }
  });
});

describe('review S20: the PostgreSQL charge commits synchronously whatever the connection default', () => {
  it('regression: with synchronous_commit = off in the URL, the spend is inserted in a transaction with synchronous_commit = on', async () => {
    const u = new URL(postgresTestUrl());
    u.searchParams.set('options', '-c synchronous_commit=off');
    const ledger = new PostgresLedger(u.toString(), { schema });
    const scope = { dataset: 'durable', cap };
    await ledger.status(scope);
    const admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLE public.${audit} (setting text)`);
      await admin.query(
        `CREATE FUNCTION public.${audit}_record() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
          `INSERT INTO public.${audit} VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$`,
      );
      await admin.query(`CREATE TRIGGER ${audit} AFTER INSERT ON ${schema}.spends FOR EACH ROW EXECUTE FUNCTION public.${audit}_record()`);
      await ledger.charge(scope, { epsilon: Rational.of(1n, 2n), delta: Rational.ZERO, rho: Rational.ZERO }, 'SELECT 1');
      await ledger.charge(scope, { epsilon: Rational.of(1n, 4n), delta: Rational.ZERO, rho: Rational.ZERO }, 'SELECT 2');
      const settings = (await admin.query(`SELECT setting FROM public.${audit}`)).rows.map((r) => String(r.setting));
      expect(settings).toEqual(['on', 'on']);
      await admin.query(`DROP TRIGGER ${audit} ON ${schema}.spends`);
    } finally {
      await admin.end();
      await ledger.close();
    }
  });
});
