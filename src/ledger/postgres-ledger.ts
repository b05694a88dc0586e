/**
 * The PostgreSQL ledger: spends recorded in a table of the database that holds
 * the data. A charge is one transaction: lock the data set's row
 * (`SELECT … FOR UPDATE`), replay its spends with exact rationals, check, insert,
 * commit — so concurrent charges serialize and a committed spend survives a crash.
 * @module
 */
import pg from 'pg';
import { DpError } from '../core/errors.js';
import { checkExactLoss, type ExactLoss, lossFromJson } from '../core/exact-loss.js';
import { type BudgetLedger, decideCharge, type LedgerEntry, type LedgerScope, type LedgerStatus } from './ledger.js';

const LOCKS = 'tsdp_ledger_datasets';
const SPENDS = 'tsdp_ledger_spends';
/** A data set's spends, oldest first (the charge replays them under the lock; `entries` reads them). */
const READ_SPENDS = `SELECT analyst, epsilon, delta, rho, memo, at FROM ${SPENDS} WHERE dataset = $1 ORDER BY id`;

/**
 * A budget ledger in PostgreSQL tables (`tsdp_ledger_datasets`, `tsdp_ledger_spends`), created on first use.
 * @example
 * const ledger = new PostgresLedger('postgres://postgres@127.0.0.1:54329/tsdp');
 */
export class PostgresLedger implements BudgetLedger {
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  /** @param connectionString - a role that may create and write the ledger tables. */
  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 2 });
    this.pool.on('error', () => {});
  }

  private setup(): Promise<void> {
    this.ready ??= (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.pool.query(`CREATE TABLE IF NOT EXISTS ${LOCKS} (dataset text PRIMARY KEY)`);
          await this.pool.query(
            `CREATE TABLE IF NOT EXISTS ${SPENDS} (id bigserial PRIMARY KEY, dataset text NOT NULL, analyst text NOT NULL, epsilon text NOT NULL, delta text NOT NULL, memo text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
          );
          await this.pool.query(`CREATE INDEX IF NOT EXISTS ${SPENDS}_dataset ON ${SPENDS} (dataset)`);
          // ρ of zCDP spends; rows written before it existed have NULL, read as 0.
          await this.pool.query(`ALTER TABLE ${SPENDS} ADD COLUMN IF NOT EXISTS rho text`);
          return;
        } catch (e) {
          // Concurrent CREATE … IF NOT EXISTS can collide in the catalog; retry a few times.
          if (attempt >= 5) throw ledgerError(e);
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        }
      }
    })();
    return this.ready;
  }

  /** Reads rows fail-closed: a row whose amounts do not parse makes the ledger refuse (INTERNAL), never reads as 0. */
  private static read(
    rows: { analyst: string; epsilon: string; delta: string; rho: string | null; memo: string; at: Date | string }[],
  ): LedgerEntry[] {
    return rows.map((r, i) => {
      try {
        const loss = lossFromJson({ epsilon: r.epsilon, delta: r.delta, rho: r.rho ?? undefined }, 'record');
        return { analyst: String(r.analyst), ...loss, memo: String(r.memo), at: r.at instanceof Date ? r.at.toISOString() : String(r.at) };
      } catch {
        throw new DpError('INTERNAL', `the PostgreSQL budget ledger has an unreadable spend (row ${i + 1}); refusing to charge`, {
          row: i + 1,
        });
      }
    });
  }

  /**
   * Checks and records `cost` in one transaction.
   * @throws DpError BUDGET_EXHAUSTED (nothing recorded), ENGINE_ERROR when the database fails.
   */
  async charge(scope: LedgerScope, cost: ExactLoss, memo: string): Promise<LedgerStatus> {
    checkExactLoss(cost, 'cost');
    await this.setup();
    const client = await this.pool.connect().catch((e: unknown) => {
      throw ledgerError(e);
    });
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${LOCKS} (dataset) VALUES ($1) ON CONFLICT DO NOTHING`, [scope.dataset]);
      await client.query(`SELECT dataset FROM ${LOCKS} WHERE dataset = $1 FOR UPDATE`, [scope.dataset]);
      const { rows } = await client.query(READ_SPENDS, [scope.dataset]);
      const status = decideCharge(PostgresLedger.read(rows), scope, cost);
      await client.query(`INSERT INTO ${SPENDS} (dataset, analyst, epsilon, delta, rho, memo) VALUES ($1, $2, $3, $4, $5, $6)`, [
        scope.dataset,
        scope.analyst ?? 'default',
        cost.epsilon.toString(),
        cost.delta.toString(),
        cost.rho.toString(),
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
    await this.setup();
    try {
      const { rows } = await this.pool.query(READ_SPENDS, [dataset]);
      return PostgresLedger.read(rows);
    } catch (e) {
      throw ledgerError(e);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function ledgerError(_e: unknown): DpError {
  return new DpError('ENGINE_ERROR', 'the PostgreSQL budget ledger could not be read or written', { engine: 'postgres' });
}
