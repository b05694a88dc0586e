/**
 * Which budget ledger a command uses, and how it is named to the user: every
 * command that reads or charges a ledger prints this line (on stderr, or in
 * the JSON output), so that a spend never lands somewhere unexpected.
 * A PostgreSQL URL is shown without its password.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { BudgetLedger } from '../ledger/ledger.js';

/** A ledger and its printable name. */
export interface LedgerChoice {
  readonly ledger: BudgetLedger;
  /** `file /home/me/.local/state/tsdp/ledger` or `postgres postgres://me@db:5432/x`. */
  readonly description: string;
}

/** True for a PostgreSQL connection string (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** `url` without its password (and without query parameters, which may carry one). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    u.search = '';
    return u.toString().replace(/:@/, '@');
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Names a ledger object as `describeLedger` would (file directory or redacted URL). */
export function ledgerName(ledger: BudgetLedger, db: string | undefined): string {
  const dir = (ledger as { directory?: unknown }).directory;
  if (typeof dir === 'string') return `file ${dir}`;
  return `postgres ${db && isPostgresUrl(db) ? redactUrl(db) : '(PostgreSQL)'}`;
}

/**
 * Opens the ledger of `--ledger` / `--db`: PostgreSQL when asked for (or when the data is in PostgreSQL and
 * `--ledger file` is not given), the file ledger otherwise.
 * @throws DpError INVALID_PARAMETER for `--ledger` other than file or postgres, or postgres without a URL.
 */
export async function openLedger(options: { ledger?: string; db?: string }): Promise<LedgerChoice> {
  const kind = options.ledger;
  if (kind !== undefined && kind !== 'file' && kind !== 'postgres') {
    throw new DpError('INVALID_PARAMETER', '--ledger must be file or postgres', { parameter: 'ledger' });
  }
  const pgUrl = options.db && isPostgresUrl(options.db) ? options.db : undefined;
  if (kind === 'postgres' || (kind === undefined && pgUrl)) {
    if (!pgUrl) throw new DpError('INVALID_PARAMETER', '--ledger postgres needs --db postgres://…', { parameter: 'ledger' });
    const { PostgresLedger } = await import('../ledger/postgres-ledger.js');
    return { ledger: new PostgresLedger(pgUrl), description: `postgres ${redactUrl(pgUrl)}` };
  }
  const { FileLedger } = await import('../ledger/file-ledger.js');
  const ledger = new FileLedger();
  return { ledger, description: `file ${ledger.directory}` };
}
