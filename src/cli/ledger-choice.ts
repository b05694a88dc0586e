/**
 * Which budget ledger a command uses, and how it is named to the user: every
 * command that reads or charges a ledger prints this line (on stderr, or in
 * the JSON output), so that a spend never lands somewhere unexpected.
 * A PostgreSQL URL is shown without its password. The choice itself is
 * `openLedgerFor` in src/sql/open-data.ts (one function for every verb).
 * @module
 */
import { type LedgerChoice, openLedgerFor } from '../sql/open-data.js';

export { isPostgresUrl, type LedgerChoice, redactUrl } from '../sql/open-data.js';

/**
 * Opens the ledger of `--ledger` / `--db` (see `openLedgerFor`).
 * @throws DpError INVALID_PARAMETER for `--ledger` other than file or postgres, or postgres without a URL.
 */
export async function openLedger(options: { ledger?: string; db?: string }): Promise<LedgerChoice> {
  return openLedgerFor(options);
}
