/**
 * `npm test` without TSDP_TEST_POSTGRES_URL starts a private PostgreSQL
 * cluster for the run and stops it at the end (it used to leave a cluster
 * running). A child Vitest runs the real global setup with one probe test that
 * needs PostgreSQL; after it exits, the cluster's port refuses connections and
 * its directory is gone. Skipped where PostgreSQL is not installed (CI
 * installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const installed = spawnSync('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin']).status === 0;

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

describe.runIf(installed || process.env.CI === 'true')('the test run’s own PostgreSQL cluster', () => {
  it('is started for a test that needs it when no URL is configured, and stopped and removed when the run ends', async () => {
    const work = mkdtempSync(join(tmpdir(), 'tsdp-pg-probe-'));
    const out = join(work, 'probe.json');
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, TSDP_PG_PROBE_OUT: out };
      delete env.TSDP_TEST_POSTGRES_URL;
      delete env.CI;
      delete env.TSDP_PG_DIR;
      delete env.TSDP_PG_PORT;
      const child = spawnSync(
        process.execPath,
        [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/package/fixtures/vitest.pg-probe.config.ts'],
        { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
      );
      expect(child.status, child.stdout + child.stderr).toBe(0);
      const probe = JSON.parse(readFileSync(out, 'utf8')) as { url: string; dir: string | null };
      // A private cluster: its own directory under the temp dir, and not the developer's default port.
      expect(probe.dir).toMatch(/tsdp-test-pg-/);
      const port = Number(new URL(probe.url).port);
      expect(port).not.toBe(54329);
      expect(await accepts(port)).toBe(false);
      expect(existsSync(probe.dir as string)).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 150_000);
});
