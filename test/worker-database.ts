/**
 * Vitest setup file of the `servers` run group (test/run-groups.ts): each
 * worker of the group gets its own PostgreSQL database, so two files that
 * use fixed table names (`visits`, the ledger's tables) can run at once.
 *
 * Before the test file loads, `TSDP_TEST_POSTGRES_URL` (in this worker, and so
 * in every child it spawns) is pointed at `tsdp_w<VITEST_POOL_ID>` on the test
 * cluster (the configured URL's cluster, or the private one
 * test/sql/postgres-url.ts starts), created on first use like the cluster's
 * own `tsdp` database. A pool id is held by one worker at a time, so the
 * database is never shared by two files running at once.
 */
import pg from 'pg';
import { postgresTestUrl } from './sql/postgres-url.js';

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505'; // two CREATE DATABASE of one name racing (not expected: one worker per pool id)

const base = postgresTestUrl();
const name = `tsdp_w${Number(process.env.VITEST_POOL_ID ?? '0')}`;
const admin = new pg.Client(base);
await admin.connect();
try {
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (rowCount === 0) {
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw e;
    }
  }
} finally {
  await admin.end();
}
const url = new URL(base);
url.pathname = `/${name}`;
process.env.TSDP_TEST_POSTGRES_URL = url.toString();
