/**
 * Review stop 23 second (17e1e3f, test/cli/run-cli.ts: "never code older than the source"). The helper runs
 * `dist/cli/main.js` when the bundle and main.js are newer (mtime) than every entry under src/. An mtime is not a
 * content version: a file whose content changes while its mtime goes back — `cp -p` of a file edited earlier in
 * another worktree, `tar x`, `rsync -a --inplace`, a build taken while the clock ran ahead — leaves the build "newer",
 * and the CLI tests run the old code while src/ holds the new. (A file deleted or renamed under src/ is seen: its
 * folder's mtime changes.) Repro on a checkout (0b201c6, after `npm run build`): `cp -p` a changed src/cli/run.ts
 * carrying an older mtime; `tsdp(['--version'])` still runs dist/ (the change is not run), `node --import tsx
 * src/cli/main.ts` runs it. Here the same on a copy of run-cli.ts in a temporary tree whose dist/ and src/ programs
 * print which one ran.
 * Fixed (lead, stop 23): the build writes a digest of its inputs (scripts/source-digest.mjs, dist/vendor/source-digest.txt)
 * and the helper compares it with the checkout's, instead of mtimes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../..');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const EARLY = new Date(Date.UTC(2026, 0, 1));
const LATE = new Date(Date.UTC(2026, 0, 2));

/**
 * A tree with run-cli.ts's layout: a build (dist/) written at LATE from the old source, then src/cli/main.ts changed
 * with mtime `changedAt`; returns what the copy of run-cli.ts ran.
 */
async function ranAfterChange(changedAt: Date | undefined): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'review-run-cli-'));
  roots.push(root);
  const put = (path: string, text: string, at: Date) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    utimesSync(join(root, path), at, at);
  };
  put('src/cli/main.ts', "console.log('the old source');\n", EARLY);
  put('dist/cli/main.js', "console.log('the old source');\n", LATE);
  put('dist/vendor/cli/tsdp.js', '', LATE);
  for (const d of ['src/cli', 'src']) utimesSync(join(root, d), EARLY, EARLY);
  mkdirSync(join(root, 'test/cli'), { recursive: true });
  copyFileSync(join(repo, 'test/cli/run-cli.ts'), join(root, 'test/cli/run-cli.ts'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  // The source changes in place (no new entry in its folder); cp -p then sets its mtime back.
  const changed = join(root, 'src/cli/main.ts');
  writeFileSync(changed, "console.log('the current source');\n");
  if (changedAt) utimesSync(changed, changedAt, changedAt);
  const { tsdp } = (await import(join(root, 'test/cli/run-cli.ts'))) as typeof import('../cli/run-cli.js');
  const run = await tsdp([], join(root, 'home'));
  expect(run.code).toBe(0);
  return run.stdout.trim();
}

describe('review stop 23 second: test/cli/run-cli.ts never runs a build older than src/', () => {
  it('control: a src/ file changed now is run from src/ (through tsx)', async () => {
    expect(await ranAfterChange(undefined)).toBe('the current source');
  }, 60_000);

  it('a src/ file changed with an older mtime (cp -p) is run from src/, not from the earlier build', async () => {
    expect(await ranAfterChange(EARLY)).toBe('the current source');
  }, 60_000);
});
