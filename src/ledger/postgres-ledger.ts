/**
 * The PostgreSQL ledger: spends recorded in a table of the database that holds
 * the data. A charge is one transaction: lock the data set's row
 * (`SELECT … FOR UPDATE`), replay its spends with exact rationals, check, insert,
 * commit — so concurrent charges serialize and a committed spend survives a crash.
 * @module
 */
import type pg from 'pg';
import { DpError } from '../core/errors.js';
import { Rational } from '../numeric/rational.js';
import { type BudgetLedger, decideCharge, type LedgerAmount, type LedgerEntry, type LedgerScope, type LedgerStatus } from './ledger.js';
import { loadPg } from './load-pg.js';

const LOCKS = 'tsdp_ledger_datasets';
const SPENDS = 'tsdp_ledger_spends';
/** A data set's spends, oldest first (the charge replays them under the lock; `entries` reads them). */
const READ_SPENDS = `SELECT analyst, epsilon, delta, memo, at FROM ${SPENDS} WHERE dataset = $1 ORDER BY id`;

/**
 * A budget ledger in PostgreSQL tables (`tsdp_ledger_datasets`, `tsdp_ledger_spends`), created on first use.
 * @example
 * const ledger = new PostgresLedger('postgres://postgres@127.0.0.1:54329/tsdp');
 */
export class PostgresLedger implements BudgetLedger {
  /** Created by `setup()` once `pg` is loaded (an optional peer dependency, imported on first use). */
  private pool: pg.Pool | undefined;
  private ready: Promise<void> | undefined;

  /**
   * @param connectionString - a role that may create and write the ledger tables.
   * The first charge or read throws DpError NOT_FOUND when the optional peer dependency `pg` is not installed.
   */
  constructor(private readonly connectionString: string) {}

  private async setup(): Promise<pg.Pool> {
    this.ready ??= (async () => {
      const { Pool } = await loadPg();
      this.pool = new Pool({ connectionString: this.connectionString, max: 2 });
      this.pool.on('error', () => {});
      for (let attempt = 0; ; attempt++) {
        try {
          await this.pool.query(`CREATE TABLE IF NOT EXISTS ${LOCKS} (dataset text PRIMARY KEY)`);
          await this.pool.query(
            `CREATE TABLE IF NOT EXISTS ${SPENDS} (id bigserial PRIMARY KEY, dataset text NOT NULL, analyst text NOT NULL, epsilon text NOT NULL, delta text NOT NULL, memo text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
          );
          await this.pool.query(`CREATE INDEX IF NOT EXISTS ${SPENDS}_dataset ON ${SPENDS} (dataset)`);
          return;
        } catch (e) {
          // Concurrent CREATE … IF NOT EXISTS can collide in the catalog; retry a few times.
          if (attempt >= 5) throw ledgerError(e);
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        }
      }
    })();
    await this.ready;
    return this.pool as pg.Pool;
  }

  private static read(rows: { analyst: string; epsilon: string; delta: string; memo: string; at: Date | string }[]): LedgerEntry[] {
    return rows.map((r) => ({
      analyst: r.analyst,
      epsilon: Rational.parse(r.epsilon),
      delta: Rational.parse(r.delta),
      memo: r.memo,
      at: r.at instanceof Date ? r.at.toISOString() : String(r.at),
    }));
  }

  /**
   * Checks and records `cost` in one transaction.
   * @throws DpError BUDGET_EXHAUSTED (nothing recorded), ENGINE_ERROR when the database fails.
   */
  async charge(scope: LedgerScope, cost: LedgerAmount, memo: string): Promise<LedgerStatus> {
    const pool = await this.setup();
    const client = await pool.connect().catch((e: unknown) => {
      throw ledgerError(e);
    });
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${LOCKS} (dataset) VALUES ($1) ON CONFLICT DO NOTHING`, [scope.dataset]);
      await client.query(`SELECT dataset FROM ${LOCKS} WHERE dataset = $1 FOR UPDATE`, [scope.dataset]);
      const { rows } = await client.query(READ_SPENDS, [scope.dataset]);
      const status = decideCharge(PostgresLedger.read(rows), scope, cost);
      await client.query(`INSERT INTO ${SPENDS} (dataset, analyst, epsilon, delta, memo) VALUES ($1, $2, $3, $4, $5)`, [
        scope.dataset,
        scope.analyst ?? 'default',
        cost.epsilon.toString(),
        cost.delta.toString(),
        memo.slice(0, 10_000),
      ]);
      await client.query('COMMIT');
      return status;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      if (e instanceof DpError) throw e;
      throw ledgerError(e);
    } finally {
      client.release();
    }
  }

  /** The balance of a scope. */
  async status(scope: LedgerScope): Promise<LedgerStatus> {
    return decideCharge(await this.entries(scope.dataset), scope, null);
  }

  /** Every recorded spend of `dataset`. */
  async entries(dataset: string): Promise<readonly LedgerEntry[]> {
    const pool = await this.setup();
    try {
      const { rows } = await pool.query(READ_SPENDS, [dataset]);
      return PostgresLedger.read(rows);
    } catch (e) {
      throw ledgerError(e);
    }
  }

  async close(): Promise<void> {
    await this.pool?.end();
  }
}

function ledgerError(_e: unknown): DpError {
  return new DpError('ENGINE_ERROR', 'the PostgreSQL budget ledger could not be read or written', { engine: 'postgres' });
}
