/**
 * Loads `pg`, tsdp's optional peer dependency, the first time PostgreSQL is
 * used: an application that never opens a PostgreSQL engine or ledger does
 * not need `pg` installed, and no bundle of `tsdp` pulls it in (the import is
 * dynamic and lives only under `tsdp/sql`). The loading rules: core/optional-peer.ts.
 * @module
 */
import type pg from 'pg';
import { optionalPeer } from '../core/optional-peer.js';

const load = optionalPeer<typeof pg>('pg', () => import('pg'), 'PostgreSQL support', 'npm install pg');

/**
 * The `pg` module (its default export), imported once on first use.
 * @returns the `pg` namespace (`Pool`, `Client`, …).
 * @throws DpError NOT_FOUND (`details.kind` 'dependency', `details.name` 'pg') when `pg` is not installed.
 * @privacy Touches no data.
 * @example
 * const { Pool } = await loadPg();
 */
export function loadPg(): Promise<typeof pg> {
  return load();
}
