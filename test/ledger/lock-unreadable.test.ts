/**
 * Review S46 (class 7 stale locks / class 6 atomic check-and-charge): an owner record that exists but cannot be read
 * is never evidence of a dead owner (src/ledger/file-lock.ts rule 3): it is judged like another host's — never broken,
 * the wait ends in the typed timeout — while a record that was read and is empty or malformed is broken after the
 * grace period. Records are written 0644.
 *
 * Generative (fast-check, seed 46): over owner records — absent (a legacy directory without its owner file), empty,
 * malformed, cut JSON, and unreadable (the owner is a directory: EISDIR; as root, EACCES cannot be produced) — on a
 * lock older than the grace period, the lock is taken exactly when the record was read.
 */
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_GRACE_MS, withFileLock } from '../../src/ledger/file-lock.js';

type Owner = 'absent' | 'empty' | 'malformed' | 'cut' | 'unreadable';

/** A legacy lock directory older than the grace period, whose owner file is `owner`. */
function lockDir(owner: Owner): string {
  const lock = join(mkdtempSync(join(tmpdir(), 'tsdp-unreadable-')), 'x.lock');
  mkdirSync(lock);
  const file = join(lock, 'owner');
  if (owner === 'empty') writeFileSync(file, '');
  if (owner === 'malformed') writeFileSync(file, 'not a record');
  if (owner === 'cut') writeFileSync(file, '{"pid": 12');
  if (owner === 'unreadable') mkdirSync(file); // reading it fails with EISDIR: exists, cannot be read
  const old = (Date.now() - 10 * STALE_GRACE_MS) / 1000;
  utimesSync(lock, old, old);
  return lock;
}

describe('file lock: an unreadable owner record is never stale (S46)', () => {
  it('regression: records are written 0644; an unreadable record times out with the typed error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-mode-'));
    const lock = join(dir, 'y.lock');
    const mode = await withFileLock(lock, 1000, () => statSync(lock).mode & 0o777);
    expect(mode).toBe(0o644);
    await expect(withFileLock(lockDir('unreadable'), 300, () => 'taken')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('generative (fast-check, seed 46): an old lock is broken iff its record was read (absent/empty/malformed/cut), never when unreadable', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Owner>('absent', 'empty', 'malformed', 'cut', 'unreadable'), async (owner) => {
        const outcome = await withFileLock(lockDir(owner), 300, () => 'taken').catch((e: { code?: string }) => String(e.code));
        expect(outcome).toBe(owner === 'unreadable' ? 'INTERNAL' : 'taken');
      }),
      { numRuns: 20, seed: 46 },
    );
  }, 60_000);
});
