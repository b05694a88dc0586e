/**
 * `tsdp` ledger: durable, atomic, exact budget accounting (a file journal by
 * default; a PostgreSQL table when the data lives there).
 * @module
 */
export { type AnalystReport, type BudgetReport, budgetReport } from './budget-report.js';
export { FileLedger, type FileLedgerOptions, stateDirectory } from './file-ledger.js';
export {
  addAmounts,
  type BudgetLedger,
  balanceOf,
  type ChargePlan,
  decideCharge,
  formatAmount,
  type LedgerBalance,
  type LedgerCap,
  type LedgerEntry,
  type LedgerPin,
  type LedgerScope,
  type LedgerStatus,
  type LedgerTotals,
  planCharge,
  replayEntries,
  sumEntries,
  ZERO_AMOUNT,
} from './ledger.js';
export { PostgresLedger, type PostgresLedgerOptions } from './postgres-ledger.js';
export { DEFAULT_LEDGER_SCHEMA, type PostgresLedgerSetup, postgresLedgerSetupSql, setupPostgresLedger } from './postgres-setup.js';
