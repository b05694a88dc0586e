/**
 * Review M17b: files the CLI writes that are not DP releases are owner-only (`src/cli/owner-only-file.ts`). Generative
 * (fast-check, seed 1717): over process umasks × whether the file existed and with which mode, the written file is
 * 0600, holds the new text and is a new file (review M17c).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOwnerOnly } from '../../src/cli/owner-only-file.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdp-owner-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describe('writeOwnerOnly (review M17b)', () => {
  it('generative (fast-check, seed 1717): umask × existing mode → 0600 with the new content', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0o000, 0o002, 0o022, 0o027, 0o077),
        fc.option(fc.constantFrom(0o644, 0o666, 0o600, 0o640, 0o604), { nil: undefined }),
        fc.string(),
        (mask, existing, text) => {
          const path = join(dir, `f${files++}`);
          if (existing !== undefined) writeFileSync(path, 'old', { mode: existing });
          const oldInode = existing !== undefined ? statSync(path).ino : -1;
          const before = process.umask(mask);
          try {
            writeOwnerOnly(path, text);
          } finally {
            process.umask(before);
          }
          expect(statSync(path).mode & 0o777).toBe(0o600);
          expect(readFileSync(path, 'utf8')).toBe(text);
          // M17c: an earlier file is replaced by a new inode, never rewritten (an old descriptor keeps the old bytes).
          if (existing !== undefined) expect(statSync(path).ino).not.toBe(oldInode);
        },
      ),
      { numRuns: 100, seed: 1717 },
    );
  });
});
