/**
 * Files the CLI writes that are **not** DP releases — the synthesis utility report (computed on the real data, "for
 * the data owner only"), a training report with its non-private test accuracy — are owner-only (review M17b, the
 * class of M17 and S46: data other local users must not read). Rule: the content goes into a NEW file created
 * exclusively with mode 0600 beside the target (a random name), which is then renamed over the target. So no other
 * user's open descriptor of an earlier file at that path (made 0644 by an older version or a loose umask) ever sees
 * the new content (review M17c: a chmod-then-rewrite kept the inode), and a file another user plants at the path is
 * replaced, never written into. DP releases (synthetic data, a DP model's parameters, query answers) keep the
 * umask's mode. Test: test/review/report-file-mode.test.ts, test/review/report-open-descriptor.test.ts,
 * test/cli/owner-only-file.test.ts.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `path` readable and writable by the owner only, as a new file (module header).
 * @param path - the file to write (created or replaced).
 * @param text - its content.
 * @example
 * writeOwnerOnly('report.json', JSON.stringify(report));
 */
export function writeOwnerOnly(path: string, text: string): void {
  const fresh = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    writeFileSync(fresh, text, { mode: 0o600, flag: 'wx' });
    chmodSync(fresh, 0o600); // whatever the umask
    renameSync(fresh, path);
  } catch (e) {
    rmSync(fresh, { force: true });
    throw e;
  }
}
