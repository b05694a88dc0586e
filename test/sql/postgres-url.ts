/**
 * The PostgreSQL server for tests: TSDP_TEST_POSTGRES_URL when set (CI sets
 * it; in the `servers` run group test/worker-database.ts points it at the
 * worker's own database); otherwise the cluster started by scripts/postgres.sh.
 * Under CI without the variable, tests fail rather than silently skip.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

let cached: string | undefined;

/** The URL of a running PostgreSQL cluster for tests. @throws when none can be had. */
export function postgresTestUrl(): string {
  // Read each time, not cached: the `servers` group's setup file changes it after this module loaded.
  const fromEnv = process.env.TSDP_TEST_POSTGRES_URL;
  if (fromEnv) return fromEnv;
  if (cached) return cached;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error('CI is set but TSDP_TEST_POSTGRES_URL is not: start PostgreSQL with scripts/postgres.sh and export the URL');
  }
  const script = resolve(import.meta.dirname, '../../scripts/postgres.sh');
  cached = execFileSync('bash', [script, 'start'], { encoding: 'utf8' }).trim().split('\n').pop() as string;
  return cached;
}

/**
 * The URL of another database on the test cluster (for tests that change a database's catalog — functions,
 * encodings — which must not reach the test database other test files query).
 * @param database - the database name (created by the caller).
 */
export function postgresTestUrlFor(database: string): string {
  const u = new URL(postgresTestUrl());
  u.pathname = `/${database}`;
  return u.toString();
}
