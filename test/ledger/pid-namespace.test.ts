/**
 * Review S34 (classes 7 + 6: a live lock broken → overspend by a full cap per replica): a pid means something only
 * inside one PID namespace. Rule (src/ledger/file-lock.ts rule 3): the owner record carries the PID namespace;
 * an owner in another or an unknown namespace is never judged by its pid (treated like another host).
 * Regression: a process in a NEW PID namespace (`unshare -p -f --mount-proc`, needs root) must not take a lock a
 * live process of the parent namespace holds (before: it saw the holder's pid as absent and broke the lock).
 * Crafted records: a dead pid in another or an unknown namespace is not broken; in ours it is.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidNamespace, withFileLock } from '../../src/ledger/file-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-pidns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const boot = () => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
};
const canUnshare =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['-p', '-f', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;

describe('review S34: a lock is judged by pid only inside its own PID namespace', () => {
  it.skipIf(!canUnshare)(
    'a process in another PID namespace does not break a live lock (real unshare -p)',
    async () => {
      const lock = join(dir, 'live.lock');
      const child = join(import.meta.dirname, 'pid-namespace-child.ts');
      const tsx = join(import.meta.dirname, '../../node_modules/tsx/dist/cli.mjs');
      const outcome = await withFileLock(lock, 5_000, () => {
        const r = spawnSync('unshare', ['-p', '-f', '--mount-proc', process.execPath, tsx, child, lock], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        return r.stdout.trim();
      });
      expect(outcome).toBe('INTERNAL');
    },
    90_000,
  );

  it('crafted records: a dead pid in another or an unknown namespace is not broken; in ours it is', async () => {
    const dead = 2 ** 22 + 4321;
    const record = (pidns: string | null | undefined) =>
      JSON.stringify({ pid: dead, start: null, boot: boot(), host: hostname(), ...(pidns === undefined ? {} : { pidns }), tag: 't' });
    const lock = join(dir, 'crafted.lock');
    writeFileSync(lock, record('pid:[1]'));
    await expect(withFileLock(lock, 150, () => 1)).rejects.toMatchObject({ code: 'INTERNAL' });
    if (pidNamespace() !== null) {
      writeFileSync(lock, record(undefined)); // a record from before the rule: unknown namespace
      await expect(withFileLock(lock, 150, () => 1)).rejects.toMatchObject({ code: 'INTERNAL' });
    }
    writeFileSync(lock, record(pidNamespace()));
    expect(await withFileLock(lock, 1_000, () => 'broken, taken')).toBe('broken, taken');
  });
});
