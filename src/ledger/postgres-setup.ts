/**
 * The explicit, documented setup of the PostgreSQL ledger and of the role
 * analysts' queries run as. Nothing here runs by itself: an administrator calls
 * `setupPostgresLedger(adminUrl, …)` once, or prints `postgresLedgerSetupSql(…)`
 * and runs it with psql.
 *
 * What it makes (names are the defaults):
 * - `tsdp_ledger_owner` (NOLOGIN): owns the schema `tsdp_ledger` and its tables
 *   `datasets` and `spends`; `REVOKE ALL … FROM PUBLIC` on all of them. The
 *   login roles in `ledgerLogins` (the service that charges) become members.
 * - `tsdp_reader` (NOLOGIN): `USAGE` on the schemas of the declared tables and
 *   `SELECT` on those tables only — nothing on the ledger schema, no write
 *   anywhere. The login roles in `queryLogins` (the engine's connecting role)
 *   become members, so the engine can `SET ROLE tsdp_reader` for every query.
 * Analysts' login roles must not be members of the ledger role.
 * @module
 */

import { DpError } from '../core/errors.js';
import { edgeArray, edgeRecord, edgeString } from '../numeric/edge.js';
import { loadPg } from './load-pg.js';

/** The default schema of the ledger. */
export const DEFAULT_LEDGER_SCHEMA = 'tsdp_ledger';

/** What `setupPostgresLedger` makes. */
export interface PostgresLedgerSetup {
  /** The ledger's schema (default `tsdp_ledger`). */
  readonly schema?: string;
  /** The role that owns the ledger (default `tsdp_ledger_owner`, NOLOGIN). */
  readonly ledgerRole?: string;
  /** Login roles that write the ledger (made members of the ledger role). */
  readonly ledgerLogins?: readonly string[];
  /** The role queries run as (default `tsdp_reader`, NOLOGIN). */
  readonly queryRole?: string;
  /** Login roles that may switch to the query role (the engine's connecting role). */
  readonly queryLogins?: readonly string[];
  /** The declared tables the query role may read, as `table` or `schema.table`. */
  readonly tables: readonly string[];
}

/**
 * Checks an SQL identifier (lower-case letters, digits, `_`; not starting with a digit; ≤ 63 characters).
 * @param name - the identifier.
 * @param parameter - the option it came from.
 * @returns the identifier.
 * @throws DpError INVALID_PARAMETER otherwise.
 * @example
 * checkIdentifier('tsdp_ledger', 'schema');
 */
export function checkIdentifier(name: string, parameter: string): string {
  if (typeof name !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be a lower-case SQL identifier (letters, digits, _)`, { parameter });
  }
  return name;
}

/** `table` or `schema.table`, each part a plain identifier, quoted. */
function qualifiedTable(name: string): { schema: string; table: string } {
  const parts = name.split('.');
  if (parts.length > 2) throw new DpError('INVALID_PARAMETER', 'a table must be table or schema.table', { parameter: 'tables' });
  const [schema, table] = parts.length === 2 ? parts : ['public', parts[0]];
  return { schema: checkIdentifier(schema as string, 'tables'), table: checkIdentifier(table as string, 'tables') };
}

/**
 * The statements that create the ledger's tables in `schema` (idempotent).
 * @param schema - the ledger schema.
 * @returns SQL statements.
 * @example
 * ledgerTablesSql('tsdp_ledger');
 */
export function ledgerTablesSql(schema: string): string[] {
  const s = checkIdentifier(schema, 'schema');
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.datasets (dataset text PRIMARY KEY)`,
    `CREATE TABLE IF NOT EXISTS ${s}.spends (id bigserial PRIMARY KEY, dataset text NOT NULL, analyst text NOT NULL, epsilon text NOT NULL, delta text NOT NULL, rho text, memo text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    `CREATE INDEX IF NOT EXISTS spends_dataset ON ${s}.spends (dataset)`,
    ...ledgerPinsSql(s),
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM PUBLIC`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM PUBLIC`,
  ];
}

/**
 * The statements that add the pins table (with its unit column) and the recorded columns (idempotent): a ledger
 * made before pins (or before pinned units) existed is upgraded by them (`PostgresLedger` runs them itself when it owns the schema).
 * @param schema - the ledger schema.
 * @returns SQL statements.
 * @example
 * ledgerPinsSql('tsdp_ledger');
 */
export function ledgerPinsSql(schema: string): string[] {
  const s = checkIdentifier(schema, 'schema');
  return [
    // budget: 'dataset' for the data set's own pin, 'analyst:<name>' for an analyst's.
    `CREATE TABLE IF NOT EXISTS ${s}.pins (dataset text NOT NULL, budget text NOT NULL, epsilon text NOT NULL, delta text NOT NULL, mode text NOT NULL, conversion_delta text NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (dataset, budget))`,
    `ALTER TABLE ${s}.spends ADD COLUMN IF NOT EXISTS recorded_epsilon text`,
    `ALTER TABLE ${s}.spends ADD COLUMN IF NOT EXISTS recorded_delta text`,
    `ALTER TABLE ${s}.spends ADD COLUMN IF NOT EXISTS recorded_rho text`,
    // The data set's privacy unit (JSON {column, maxPartitions, maxContributionsPerPartition}); NULL in pins made before units.
    `ALTER TABLE ${s}.pins ADD COLUMN IF NOT EXISTS unit text`,
    `REVOKE ALL ON ${s}.pins FROM PUBLIC`,
  ];
}

const createRole = (role: string) =>
  `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN; END IF; END $$`;

/**
 * The setup as SQL statements, to review or to run with psql (as an administrator).
 * @param setup - roles, logins and the declared tables.
 * @returns the statements, in order.
 * @throws DpError INVALID_PARAMETER on a name that is not a plain identifier.
 * @example
 * console.log(postgresLedgerSetupSql({ tables: ['public.adult'], ledgerLogins: ['tsdp_service'], queryLogins: ['tsdp_service'] }).join(';\n'));
 */
export function postgresLedgerSetupSql(setup: PostgresLedgerSetup): string[] {
  edgeRecord(setup, 'setup');
  edgeArray(setup.tables, 'setup.tables');
  if (setup.ledgerLogins !== undefined) edgeArray(setup.ledgerLogins, 'setup.ledgerLogins');
  if (setup.queryLogins !== undefined) edgeArray(setup.queryLogins, 'setup.queryLogins');
  const schema = checkIdentifier(setup.schema ?? DEFAULT_LEDGER_SCHEMA, 'schema');
  const owner = checkIdentifier(setup.ledgerRole ?? 'tsdp_ledger_owner', 'ledgerRole');
  const reader = checkIdentifier(setup.queryRole ?? 'tsdp_reader', 'queryRole');
  if (owner === reader)
    throw new DpError('INVALID_PARAMETER', 'the ledger role and the query role must differ', { parameter: 'queryRole' });
  const ledgerLogins = (setup.ledgerLogins ?? []).map((l) => checkIdentifier(l, 'ledgerLogins'));
  const queryLogins = (setup.queryLogins ?? []).map((l) => checkIdentifier(l, 'queryLogins'));
  const tables = setup.tables.map(qualifiedTable);
  if (tables.some((t) => t.schema === schema)) {
    throw new DpError('INVALID_PARAMETER', 'a declared table cannot live in the ledger schema', { parameter: 'tables' });
  }
  return [
    createRole(owner),
    createRole(reader),
    `CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${owner}`,
    `ALTER SCHEMA ${schema} OWNER TO ${owner}`,
    `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`,
    ...ledgerTablesSql(schema),
    `ALTER TABLE ${schema}.datasets OWNER TO ${owner}`,
    `ALTER TABLE ${schema}.spends OWNER TO ${owner}`,
    `ALTER TABLE ${schema}.pins OWNER TO ${owner}`,
    `ALTER TABLE ${schema}.spends ADD COLUMN IF NOT EXISTS rho text`,
    ...ledgerLogins.map((l) => `GRANT ${owner} TO ${l}`),
    ...[...new Set(tables.map((t) => t.schema))].map((s) => `GRANT USAGE ON SCHEMA ${s} TO ${reader}`),
    ...tables.map((t) => `GRANT SELECT ON ${t.schema}.${t.table} TO ${reader}`),
    ...queryLogins.map((l) => `GRANT ${reader} TO ${l}`),
  ];
}

/**
 * Runs the setup in one transaction, connected as an administrator (a role that may create roles and grant).
 * @param adminConnectionString - the administrator's connection.
 * @param setup - roles, logins and the declared tables.
 * @throws DpError INVALID_PARAMETER on a bad name; ENGINE_ERROR when PostgreSQL refuses (nothing is changed then).
 * @example
 * await setupPostgresLedger('postgres://postgres@db/tsdp', { tables: ['public.adult'], ledgerLogins: ['tsdp_service'], queryLogins: ['tsdp_service'] });
 */
export async function setupPostgresLedger(adminConnectionString: string, setup: PostgresLedgerSetup): Promise<void> {
  edgeString(adminConnectionString, 'adminConnectionString');
  const statements = postgresLedgerSetupSql(setup);
  const { Client } = await loadPg();
  const client = new Client({ connectionString: adminConnectionString });
  try {
    await client.connect();
    await client.query('BEGIN');
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    if (e instanceof DpError) throw e;
    throw new DpError('ENGINE_ERROR', 'the PostgreSQL ledger setup was refused by the server (nothing was changed)', {
      engine: 'postgres',
    });
  } finally {
    await client.end().catch(() => {});
  }
}
