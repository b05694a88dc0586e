/**
 * The PostgreSQL ledger: spends recorded in tables of their **own schema**
 * (`tsdp_ledger` by default), never in the analyst's schema.
 *
 * Threat model. The ledger is only as safe as the roles around it:
 * - the schema and its tables belong to a **ledger role**; the role the ledger
 *   connects as must own them or be a member of that role;
 * - analysts' queries run as a **query role** that holds `SELECT` on the
 *   declared data tables and nothing in the ledger schema (`REVOKE ALL … FROM
 *   PUBLIC` on it), so a query — or an analyst who can log in as that role —
 *   cannot read, insert, update, delete, truncate or drop the ledger;
 * - nothing is granted silently: the roles and grants are made by
 *   `setupPostgresLedger` (or by running `postgresLedgerSetupSql`'s statements
 *   with psql), explicitly, by an administrator (`postgres-setup.ts`).
 * Without that setup (a development database with one role), the ledger still
 * creates its own schema and tables on first use, owned by the connecting role
 * and closed to PUBLIC — but then whoever has that role's password can edit the
 * ledger: give analysts another role.
 *
 * A charge is one transaction: lock the data set's row (`SELECT … FOR
 * UPDATE`), read its pins (`<schema>.pins`: the cap, accounting and privacy unit
 * pinned at the first spend; a legacy pin's NULL unit is set, once, by the first
 * charge after the upgrade, in that charge's transaction) and replay its spends with exact rationals, check
 * (`planCharge`), insert the pins it makes and the spend, commit — so concurrent charges serialize and a committed spend
 * survives a crash.
 *
 * Races (the rule, tested from several connections and processes in `test/ledger/postgres-races.test.ts`):
 * - every read the decision uses happens after the data set's row lock is held, in a transaction whose isolation
 *   is pinned to READ COMMITTED by the charge itself (`BEGIN ISOLATION LEVEL READ COMMITTED`): a server, database,
 *   role or URL default (`default_transaction_isolation`) cannot move the snapshot before the lock. There is no
 *   other read-then-write window: the pins and the spend are written in the same transaction, under the lock;
 * - durability is pinned by the charge too (`SET LOCAL synchronous_commit = on`, review S20): COMMIT returns only
 *   after the commit record is flushed, whatever the server, database, role or URL default. What a client cannot pin:
 *   a server run with `fsync = off` (as `scripts/postgres.sh` starts its throwaway TEST clusters) or on storage that
 *   acknowledges unflushed writes loses recent commits in an OS or power crash — an operator must not run a ledger's
 *   database that way (stated limit; the ledger reads no server setting);
 * - the ledger's own tables must be permanent (`relpersistence = 'p'`, checked inside every charge's transaction;
 *   review S20b): an UNLOGGED table is emptied by crash recovery, so a charge against one is refused (INTERNAL,
 *   nothing recorded);
 * - every argument is read once (`readScope`, `checkExactLoss`: snapshots; review S21), so the data set the spends
 *   are summed for is the data set the spend is recorded on;
 * - the receipt is returned only after COMMIT succeeded, so a crash of the caller after it leaves the charge
 *   recorded, and a crash before it leaves nothing (the server rolls back the open transaction and frees the lock);
 * - nothing is retried: a failed COMMIT (whose outcome the client cannot know) is ENGINE_ERROR and the answer is
 *   withheld (fail closed: possibly charged, never released), so no retry can charge twice. A row whose amounts do not parse refuses (INTERNAL), never
 * reads as 0. Spends of the legacy public table `tsdp_ledger_spends` (before the
 * ledger had its own schema) are copied in when the schema's tables are created.
 * @module
 */

import type pg from 'pg';
import { DpError } from '../core/errors.js';
import { checkExactLoss, type ExactLoss, lossFromJson } from '../core/exact-loss.js';
import { edgeArray, edgeOptionalRecord, edgeRead, edgeString } from '../numeric/edge.js';
import { pinJson, readPin } from './journal.js';
import {
  type BudgetLedger,
  decideCharge,
  type LedgerEntry,
  type LedgerPin,
  type LedgerScope,
  type LedgerStatus,
  planCharge,
  readScope,
} from './ledger.js';
import { loadPg } from './load-pg.js';
import { checkIdentifier, DEFAULT_LEDGER_SCHEMA, ledgerPinsSql, ledgerTablesSql } from './postgres-setup.js';

/** Options of `PostgresLedger`. */
export interface PostgresLedgerOptions {
  /** The ledger's schema (default `tsdp_ledger`). */
  readonly schema?: string;
}

type SpendRow = {
  analyst: string;
  epsilon: string;
  delta: string;
  rho: string | null;
  recorded_epsilon: string | null;
  recorded_delta: string | null;
  recorded_rho: string | null;
  memo: string;
  at: Date | string;
};
type PinRow = { budget: string; epsilon: string; delta: string; mode: string; conversion_delta: string; unit: string | null };

/**
 * A budget ledger in PostgreSQL tables `<schema>.datasets` and `<schema>.spends`.
 * @privacy a charge is committed, in one transaction with the check, before the caller gets its receipt.
 * @example
 * const ledger = new PostgresLedger('postgres://tsdp_ledger_writer@db/tsdp');
 */
export class PostgresLedger implements BudgetLedger {
  /** Created by `setup()` once `pg` is loaded (an optional peer dependency, imported on first use). */
  private pool: pg.Pool | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;
  private readonly schema: string;

  /**
   * @param connectionString - a role that owns the ledger schema or is a member of its ledger role (never the analysts' role).
   * @param options - the schema.
   * @throws DpError INVALID_PARAMETER on a schema name that is not a plain identifier.
   * The first charge or read throws DpError NOT_FOUND when the optional peer dependency `pg` is not installed.
   */
  constructor(
    private readonly connectionString: string,
    options: PostgresLedgerOptions = {},
  ) {
    edgeString(connectionString, 'connectionString');
    edgeOptionalRecord(options, 'options');
    this.schema = checkIdentifier(options.schema ?? DEFAULT_LEDGER_SCHEMA, 'schema');
  }

  /** Where the ledger is, for messages and `tsdp budget`: host, port, database and schema (no credentials). */
  get location(): string {
    try {
      const u = new URL(this.connectionString);
      return `postgres://${u.host}${u.pathname} schema ${this.schema}`;
    } catch {
      return `postgres schema ${this.schema}`;
    }
  }

  private async setup(): Promise<pg.Pool> {
    this.ready ??= (async () => {
      const { Pool } = await loadPg();
      this.pool = new Pool({ connectionString: this.connectionString, max: 2 });
      this.pool.on('error', () => {});
      for (let attempt = 0; ; attempt++) {
        try {
          await this.ensureTables(this.pool);
          return;
        } catch (e) {
          // Concurrent CREATE … IF NOT EXISTS can collide in the catalog; retry a few times.
          if (attempt >= 5) {
            this.ready = undefined;
            throw ledgerError(e);
          }
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        }
      }
    })();
    await this.ready;
    return this.pool as pg.Pool;
  }

  /** Creates the schema and tables when missing (owned by the connecting role; no grants), in one transaction. */
  private async ensureTables(pool: pg.Pool): Promise<void> {
    const s = this.schema;
    const { rows } = await pool.query('SELECT to_regclass($1) AS spends', [`${s}.spends`]);
    if (rows[0]?.spends) {
      const rho = await pool.query(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'spends' AND column_name = 'rho'",
        [s],
      );
      if (rho.rowCount === 0) throw new DpError('INTERNAL', `the ledger table ${s}.spends has no rho column; run setupPostgresLedger`, {});
      const pins = await pool.query('SELECT to_regclass($1) AS pins', [`${s}.pins`]);
      const recorded = await pool.query(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'spends' AND column_name = 'recorded_rho'",
        [s],
      );
      const unit = await pool.query(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'pins' AND column_name = 'unit'",
        [s],
      );
      if (pins.rows[0]?.pins && recorded.rowCount !== 0 && unit.rowCount !== 0) return;
      // A ledger made before pins (or pinned units) existed: add the pins table, its unit and the recorded columns (as its owner), once.
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`tsdp ledger setup ${s}`]);
        for (const sql of ledgerPinsSql(s)) await client.query(sql);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
      return;
    }
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`tsdp ledger setup ${s}`]);
      const again = await client.query('SELECT to_regclass($1) AS spends', [`${s}.spends`]);
      if (!again.rows[0]?.spends) {
        const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [s]);
        if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
        await client.query(`REVOKE ALL ON SCHEMA ${s} FROM PUBLIC`);
        for (const sql of ledgerTablesSql(s)) await client.query(sql);
        // Spends recorded before the ledger had its own schema still count.
        const legacy = await client.query("SELECT to_regclass('public.tsdp_ledger_spends') AS t");
        if (legacy.rows[0]?.t) {
          await client.query(
            `INSERT INTO ${s}.spends (dataset, analyst, epsilon, delta, rho, memo, at) SELECT dataset, analyst, epsilon, delta, NULL, memo, at FROM public.tsdp_ledger_spends ORDER BY id`,
          );
          await client.query(`INSERT INTO ${s}.datasets (dataset) SELECT DISTINCT dataset FROM ${s}.spends ON CONFLICT DO NOTHING`);
        }
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  private readSpends(): string {
    return `SELECT analyst, epsilon, delta, rho, recorded_epsilon, recorded_delta, recorded_rho, memo, at FROM ${this.schema}.spends WHERE dataset = $1 ORDER BY id`;
  }

  private readPins(): string {
    return `SELECT budget, epsilon, delta, mode, conversion_delta, unit FROM ${this.schema}.pins WHERE dataset = $1 ORDER BY at, budget`;
  }

  /** Reads pin rows fail-closed: a pin that does not parse refuses (INTERNAL), never reads as "no pin". */
  private static readPinRows(rows: PinRow[]): LedgerPin[] {
    edgeArray(rows, 'rows');
    return rows.map((r) => {
      try {
        const analyst = r.budget === 'dataset' ? null : r.budget.startsWith('analyst:') ? r.budget.slice('analyst:'.length) : undefined;
        if (analyst === undefined) throw new Error('not a pin');
        const unit = r.unit === null || r.unit === undefined ? undefined : (JSON.parse(r.unit) as unknown);
        return readPin({ analyst, epsilon: r.epsilon, delta: r.delta, mode: r.mode, conversionDelta: r.conversion_delta, unit });
      } catch {
        throw new DpError('INTERNAL', 'the PostgreSQL budget ledger has an unreadable pin; refusing to charge', {});
      }
    });
  }

  /** Reads rows fail-closed: a row whose amounts do not parse makes the ledger refuse (INTERNAL), never reads as 0. */
  private static read(rows: SpendRow[]): LedgerEntry[] {
    edgeArray(rows, 'rows');
    return rows.map((r, i) => {
      try {
        const loss = lossFromJson({ epsilon: r.epsilon, delta: r.delta, rho: r.rho ?? undefined }, 'record');
        const hasRecorded = r.recorded_epsilon !== null || r.recorded_delta !== null || r.recorded_rho !== null;
        const recorded = hasRecorded
          ? lossFromJson({ epsilon: r.recorded_epsilon, delta: r.recorded_delta, rho: r.recorded_rho }, 'recorded')
          : undefined;
        return {
          analyst: String(r.analyst),
          ...loss,
          memo: String(r.memo),
          at: r.at instanceof Date ? r.at.toISOString() : String(r.at),
          ...(recorded ? { recorded } : {}),
        };
      } catch {
        throw new DpError('INTERNAL', `the PostgreSQL budget ledger has an unreadable spend (row ${i + 1}); refusing to charge`, {
          row: i + 1,
        });
      }
    });
  }

  /**
   * Checks and records `cost` in one transaction.
   * @param scope - the data set's cap and, optionally, the analyst's budget.
   * @param cost - the exact loss of the release.
   * @param memo - a public description (the query text).
   * @returns the balances after the charge.
   * @throws DpError BUDGET_EXHAUSTED (nothing recorded), INVALID_PARAMETER (a bad cost), INTERNAL (an unreadable row),
   *   ENGINE_ERROR when the database fails.
   */
  async charge(scope0: LedgerScope, cost0: ExactLoss, memo: string): Promise<LedgerStatus> {
    // S7 / review S21: the scope and the cost are read once, totally, and only the snapshots are used (a getter
    // answering differently on a later read — the spends' sum against one data set, the record against another —
    // cannot split the decision from the record). FileLedger does the same (readScope).
    const scope = readScope(scope0);
    const cost = checkExactLoss(cost0, 'cost');
    const memoText = edgeRead('memo', () => String(memo));
    const pool = await this.setup();
    const client = await pool.connect().catch((e: unknown) => {
      throw ledgerError(e);
    });
    const s = this.schema;
    try {
      // READ COMMITTED, pinned here (never the server's, database's or role's default): each statement reads the
      // latest committed rows, so the spends read AFTER the row lock include every charge that held it before. Under
      // a default of REPEATABLE READ the snapshot was taken at the first statement, before the lock, and two charges
      // waiting on the lock both passed the check (an overspend; test/ledger/postgres-races.test.ts).
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE');
      // Durability pinned like isolation (review S20, class 6): COMMIT returns only after the commit record is
      // flushed to the WAL, whatever synchronous_commit the server, database, role or URL sets (with `off` the
      // receipt — and the answer — left before the spend was durable, and a server crash forgot it).
      await client.query('SET LOCAL synchronous_commit = on');
      await client.query(`INSERT INTO ${s}.datasets (dataset) VALUES ($1) ON CONFLICT DO NOTHING`, [scope.dataset]);
      await client.query(`SELECT dataset FROM ${s}.datasets WHERE dataset = $1 FOR UPDATE`, [scope.dataset]);
      // Durability of the tables themselves (review S20b): an UNLOGGED (or temporary) table is emptied by crash
      // recovery, so a spend recorded there is forgotten after a server crash. Checked in every charge's transaction
      // (an operator may ALTER TABLE … SET UNLOGGED at any time); refused, nothing recorded.
      const volatile = await client.query(
        `SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname IN ('datasets', 'pins', 'spends') AND c.relpersistence <> 'p'`,
        [this.schema],
      );
      if (volatile.rows.length > 0) {
        throw new DpError(
          'INTERNAL',
          `the PostgreSQL budget ledger's tables must be logged (permanent): ${this.schema}.${String(volatile.rows[0]?.relname)} is UNLOGGED or temporary and would be emptied by crash recovery; nothing was charged (ALTER TABLE … SET LOGGED)`,
          {},
        );
      }
      const { rows } = await client.query(this.readSpends(), [scope.dataset]);
      const pinRows = await client.query(this.readPins(), [scope.dataset]);
      const plan = planCharge(PostgresLedger.read(rows), scope, cost, PostgresLedger.readPinRows(pinRows.rows));
      const recorded = plan.recorded ?? cost;
      // The pins this spend makes, in the same transaction as the spend: a pin exists exactly when its spend does. A
      // stored legacy data-set pin (unit NULL) restated with its unit is an update of that one row, never a second pin.
      for (const pin of plan.pins) {
        const stored = pinJson(pin);
        const written = await client.query(
          `INSERT INTO ${s}.pins (dataset, budget, epsilon, delta, mode, conversion_delta, unit) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (dataset, budget) DO UPDATE SET unit = EXCLUDED.unit
           WHERE ${s}.pins.unit IS NULL AND ${s}.pins.epsilon = EXCLUDED.epsilon AND ${s}.pins.delta = EXCLUDED.delta
             AND ${s}.pins.mode = EXCLUDED.mode AND ${s}.pins.conversion_delta = EXCLUDED.conversion_delta`,
          [
            scope.dataset,
            pin.analyst === null ? 'dataset' : `analyst:${pin.analyst}`,
            stored.epsilon,
            stored.delta,
            stored.mode,
            stored.conversionDelta,
            stored.unit ? JSON.stringify(stored.unit) : null,
          ],
        );
        // The decision was made under the data set's row lock, so this always writes; if not, refuse (fail closed).
        if (written.rowCount !== 1)
          throw new DpError('INTERNAL', 'the PostgreSQL budget ledger could not record a pin; nothing was charged', {});
      }
      await client.query(
        `INSERT INTO ${s}.spends (dataset, analyst, epsilon, delta, rho, recorded_epsilon, recorded_delta, recorded_rho, memo) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          scope.dataset,
          scope.analyst ?? 'default',
          cost.epsilon.toString(),
          cost.delta.toString(),
          cost.rho.toString(),
          recorded.epsilon.toString(),
          recorded.delta.toString(),
          recorded.rho.toString(),
          memoText.slice(0, 10_000),
        ],
      );
      await client.query('COMMIT');
      return plan.status;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      if (e instanceof DpError) throw e;
      throw ledgerError(e);
    } finally {
      client.release();
    }
  }

  /** The balance of a scope (under its stored pins). */
  async status(scope0: LedgerScope): Promise<LedgerStatus> {
    const scope = readScope(scope0); // S7: read once
    const entries = await this.entries(scope.dataset);
    return decideCharge(entries, scope, null, await this.pins(scope.dataset));
  }

  /** The pins of `dataset` (its own and its analysts'). */
  async pins(dataset: string): Promise<readonly LedgerPin[]> {
    edgeString(dataset, 'dataset'); // S7 edge: see rowsOf
    return PostgresLedger.readPinRows(await this.rowsOf<PinRow>(this.readPins(), dataset));
  }

  /** Every recorded spend of `dataset`, oldest first. */
  async entries(dataset: string): Promise<readonly LedgerEntry[]> {
    edgeString(dataset, 'dataset'); // S7 edge: see rowsOf
    return PostgresLedger.read(await this.rowsOf<SpendRow>(this.readSpends(), dataset));
  }

  /**
   * The rows of one read of `dataset` (outside a charge's transaction); a database failure is ENGINE_ERROR.
   * `dataset` must already be a string (its callers' edge line): `pg` serialises an `Array.isArray` value by
   * looping to its `length`, and a Proxy array whose length reads 1e308 (the S7 sweep's hostile value) grew one
   * string until the process ran out of heap — no caller's value reaches the driver unchecked.
   */
  private async rowsOf<R>(sql: string, dataset: string): Promise<R[]> {
    const pool = await this.setup();
    try {
      return (await pool.query(sql, [dataset])).rows as R[];
    } catch (e) {
      throw ledgerError(e);
    }
  }

  /** The data sets with spends, sorted. */
  async datasets(): Promise<string[]> {
    const pool = await this.setup();
    try {
      const { rows } = await pool.query(`SELECT DISTINCT dataset FROM ${this.schema}.spends ORDER BY dataset`);
      return rows.map((r: { dataset: string }) => r.dataset);
    } catch (e) {
      throw ledgerError(e);
    }
  }

  /** Closes the connections; idempotent (a second call returns at once, as `EnginePool.close`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool?.end();
  }
}

function ledgerError(e: unknown): DpError {
  if (e instanceof DpError) return e;
  return new DpError('ENGINE_ERROR', 'the PostgreSQL budget ledger could not be read or written', { engine: 'postgres' });
}
