/**
 * Loads `pg`, tsdp's optional peer dependency, the first time PostgreSQL is
 * used: an application that never opens a PostgreSQL engine or ledger does
 * not need `pg` installed, and no bundle of `tsdp` pulls it in (the import is
 * dynamic and lives only under `tsdp/sql`).
 * @module
 */
import type pg from 'pg';
import { DpError } from '../core/errors.js';

let loading: Promise<typeof pg> | undefined;

/**
 * The `pg` module (its default export), imported once on first use.
 * @returns the `pg` namespace (`Pool`, `Client`, …).
 * @throws DpError NOT_FOUND (`details.kind` 'dependency', `details.name` 'pg') when `pg` is not installed.
 * @privacy Touches no data.
 * @example
 * const { Pool } = await loadPg();
 */
export function loadPg(): Promise<typeof pg> {
  loading ??= import('pg').then(
    (module) => (module as { default?: typeof pg }).default ?? (module as unknown as typeof pg),
    () => {
      loading = undefined; // a later call may succeed once `pg` is installed
      throw new DpError('NOT_FOUND', 'PostgreSQL support needs the optional peer dependency `pg`: run `npm install pg`', {
        kind: 'dependency',
        name: 'pg',
      });
    },
  );
  return loading;
}
