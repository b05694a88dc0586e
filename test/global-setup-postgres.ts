/**
 * Vitest global setup: a private PostgreSQL cluster for this test run, when
 * none is configured, and stopped when the run ends.
 *
 * - `TSDP_TEST_POSTGRES_URL` set (CI sets it): nothing to do; the tests use it.
 * - Otherwise (and not under CI, where a missing URL is an error the tests
 *   report): a private data directory and a free loopback port are chosen and
 *   exported as `TSDP_PG_DIR` / `TSDP_PG_PORT` to the test workers. Nothing is
 *   started yet: the first test that needs PostgreSQL starts the cluster with
 *   `scripts/postgres.sh start` (which locks, so concurrent workers share one
 *   cluster), so runs that need no database pay nothing.
 * - At the end, whatever was started in that directory is stopped and the
 *   directory removed; a developer's own cluster (`npm run postgres:start`,
 *   /tmp/tsdp-pg) is never touched.
 * - Two run groups use PostgreSQL (`servers`, `serial`: test/run-groups.ts) and
 *   each names this setup; the second call in one run finds the first's cluster
 *   and does nothing, so the run has one private cluster.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const script = resolve(import.meta.dirname, '../scripts/postgres.sh');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Set on the main process once this run's private cluster is chosen (process-wide, whatever module instance runs). */
const CHOSEN = Symbol.for('tsdp.test.privatePostgres');

export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.TSDP_TEST_POSTGRES_URL) return undefined;
  if (process.env.CI === 'true' || process.env.CI === '1') return undefined;
  const state = globalThis as { [CHOSEN]?: true };
  if (state[CHOSEN]) return undefined;
  state[CHOSEN] = true;
  const parent = mkdtempSync(join(tmpdir(), 'tsdp-test-pg-'));
  chmodSync(parent, 0o755); // the server runs as `postgres` when the tests run as root
  const dir = join(parent, 'cluster');
  process.env.TSDP_PG_DIR = dir;
  process.env.TSDP_PG_PORT = String(await freePort());
  return () => {
    if (existsSync(join(dir, 'data'))) {
      execFileSync('bash', [script, 'stop'], { env: { ...process.env, TSDP_PG_DIR: dir }, stdio: 'ignore' });
    }
    rmSync(parent, { recursive: true, force: true });
  };
}
