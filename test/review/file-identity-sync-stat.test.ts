/**
 * Review stop 25 (review2) of wip/server's 1c29d69: `fileIdentity` (src/sql/engines/line-check.ts) reads a file's
 * identity with one `statSync` instead of `fs.promises.stat`. What the DuckDB snapshot's pinned-files check (S71) and
 * `refreshChanged` rely on must not move:
 * 1. the identity is the one the promise-based stat gives (size, mtime, ctime, inode, device), for every file state;
 * 2. it is read afresh at every call (a rewrite in place that keeps the size and puts the mtime back is seen whenever
 *    the async stat sees it: the ctime moves; a size change is always seen);
 * 3. a missing or unreadable file REJECTS the returned promise — never a synchronous throw out of the call (the
 *    callers' `try { await … } catch` and `Promise.all` paths map it to the one engine error).
 * Generative (fast-check, seed 2503, 30 runs): random contents, rewrites (same size or not, mtime restored or not),
 * renames over the file and deletions, in random order. Mutants checked by hand: identities memoised per path
 * (fails 2); `fileIdentity` made a plain (non-async) function (fails 3).
 */
import { mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { PinnedVersions } from '../../src/sql/engines/duckdb-pinned-versions.js';
import { fileIdentity, sameIdentity } from '../../src/sql/engines/line-check.js';

const dir = mkdtempSync(join(tmpdir(), 'review2-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function asyncIdentity(path: string) {
  const s = await stat(path);
  return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, dev: s.dev };
}

type Step = { kind: 'rewrite'; bytes: Uint8Array; keepMtime: boolean } | { kind: 'replace'; bytes: Uint8Array } | { kind: 'delete' };

const bytes = fc.uint8Array({ minLength: 0, maxLength: 64 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('rewrite' as const), bytes, keepMtime: fc.boolean() }),
  fc.record({ kind: fc.constant('replace' as const), bytes }),
  fc.constant({ kind: 'delete' as const }),
);

describe('fileIdentity read with one synchronous stat (review stop 25, 1c29d69)', () => {
  it('equals the promise-based stat, is read afresh, and rejects (never throws) for a missing file (generative, seed 2503)', async () => {
    let n = 0;
    let seenRewrites = 0;
    await fc.assert(
      fc.asyncProperty(bytes, fc.array(step, { minLength: 1, maxLength: 6 }), async (first, steps) => {
        const path = join(dir, `f${n++}.csv`);
        writeFileSync(path, first);
        let before = await fileIdentity(path);
        expect(before).toEqual(await asyncIdentity(path));
        const pin = new PinnedVersions([path], () => new DpError('ENGINE_ERROR', 'changed'));
        await pin.check();
        let moved = false;
        for (const s of steps) {
          if (s.kind === 'delete') {
            rmSync(path, { force: true });
            // Rule 3: the call returns a promise, which rejects.
            let thrown = false;
            let p: Promise<unknown> | undefined;
            try {
              p = fileIdentity(path);
            } catch {
              thrown = true;
            }
            expect(thrown).toBe(false);
            await expect(p).rejects.toThrow();
            await expect(pin.check()).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
            return;
          }
          const old = statSync(path);
          if (s.kind === 'rewrite') {
            writeFileSync(path, s.bytes);
            if (s.keepMtime) utimesSync(path, old.atime, old.mtime);
          } else {
            const tmp = `${path}.new`;
            writeFileSync(tmp, s.bytes);
            renameSync(tmp, path);
          }
          seenRewrites++;
          const now = await fileIdentity(path);
          const reference = await asyncIdentity(path);
          // Rule 1: the same identity as the promise-based stat.
          expect(now).toEqual(reference);
          // Rule 2: read afresh — a change the async stat sees is seen; a size change always is.
          const changed = !sameIdentity(reference, before);
          expect(!sameIdentity(now, before)).toBe(changed);
          if (s.bytes.length !== before.size) expect(changed).toBe(true);
          if (changed) moved = true;
          before = now;
        }
        // The pinned check fails exactly when some version moved since the pin.
        if (moved) await expect(pin.check()).rejects.toMatchObject({ code: 'ENGINE_ERROR' });
        else await expect(pin.check()).resolves.toBeUndefined();
      }),
      { seed: 2503, numRuns: 30 },
    );
    expect(seenRewrites).toBeGreaterThan(30);
  });
});
