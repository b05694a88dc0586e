/**
 * Review session 9c, M17c (M17b's class — non-DP data derived from the private data readable by other local users —
 * through a file REWRITTEN IN PLACE): `writeOwnerOnly` (src/cli/owner-only-file.ts) handles an earlier file by
 * `chmod 0600` then `writeFileSync` on the SAME inode. A file mode is checked at open(2) only: a local user who opened
 * the earlier report while it was readable (0644: every report `tsdp synth --report` / `tsdp train` wrote before
 * M17b's fix, or under a loose umask) keeps the descriptor and reads the NEW content — the real-data utility report,
 * the non-private test accuracy — after the chmod. (The existsSync → writeFileSync window is the same class: a
 * file another user creates in a shared folder in between is opened, written, and only then refused by chmod EPERM.)
 * Here the other user is simulated by a descriptor opened before the call (same inode, same semantics for any uid).
 *
 * Rule that would close it: never write into an existing inode — write a fresh file (O_CREAT|O_EXCL, 0600) beside it
 * and rename(2) it over the path (the ledger's and the API keys' writers already do this), so an old descriptor keeps
 * the old content only. Owner: sqlrun (src/cli/owner-only-file.ts).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOwnerOnly } from '../../src/cli/owner-only-file.js';

const dir = mkdtempSync(join(tmpdir(), 'review-open-descriptor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('review M17c: a report rewritten in place is readable through a descriptor opened earlier', () => {
  it('M17c (fixed: a new 0600 file renamed over the path, owner-only-file.ts): a descriptor opened on the earlier 0644 report does not read the new (non-DP) report', () => {
    const path = join(dir, 'report.json');
    writeFileSync(path, 'old report\n', { mode: 0o644 });
    const other = openSync(path, 'r'); // another local user, while the file was 0644
    try {
      writeOwnerOnly(path, 'NEW real-data report: test accuracy 0.9731\n');
      const buf = Buffer.alloc(200);
      const n = readSync(other, buf, 0, buf.length, 0);
      expect(buf.subarray(0, n).toString('utf8')).not.toContain('NEW real-data report');
    } finally {
      closeSync(other);
    }
  });
});
