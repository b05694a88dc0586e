/**
 * Files the CLI writes that are **not** DP releases — the synthesis utility report (computed on the real data, "for
 * the data owner only"), a training report with its non-private test accuracy — are owner-only (review M17b, the
 * class of M17 and S46: data other local users must not read). Rule: such a file is created 0600 and, when it
 * existed before, set to 0600 before its new content is written, whatever the process umask. DP releases (synthetic
 * data, a DP model's parameters, query answers) keep the umask's mode. Test: test/review/report-file-mode.test.ts,
 * test/cli/owner-only-file.test.ts.
 * @module
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to `path` readable and writable by the owner only (module header).
 * @param path - the file to write (created or replaced).
 * @param text - its content.
 * @example
 * writeOwnerOnly('report.json', JSON.stringify(report));
 */
export function writeOwnerOnly(path: string, text: string): void {
  if (existsSync(path)) chmodSync(path, 0o600);
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}
