/**
 * Outside check of issue 11 ("The quick start builds twice … Make the first run fast"), reviewml, stop 19.
 *
 * Replayed on a clean clone of main adf3dd5 with a fresh HOME, so npm's cache was empty (Node 20.20.2, npm 11.19.1):
 * `npm install --no-audit --no-fund` built the package (prepare) and linked node_modules/.bin/tsdp → dist/cli/main.js.
 * Then the README's `npx tsdp sql …` took 1 min 26 s wall and 23 s CPU (load ≈ 9–12). npm's debug log shows
 * `run tsdp@0.1.0 prepare ../../../../rml-clone node scripts/build.mjs && node scripts/link-bin.mjs`, and dist/ was
 * rebuilt at 00:48:53–00:48:59, during the npx run. A second fresh HOME with `npx tsdp --version` did the same
 * (1 min 28 s, 21.7 s CPU, prepare in the log). So the quick start still builds twice.
 *
 * Why: npm 11's libnpmexec (`exec`, "Look in the local tree too") first asks whether the CURRENT PROJECT's own
 * package.json has a bin named args[0] (`hasPkgBin('.', 'tsdp')`). If so, it installs the project into the npx cache
 * ("self-execution of a local bin") and runs its prepare. node_modules/.bin is consulted only when that fails, so
 * scripts/link-bin.mjs cannot help.
 *
 * test/package/quick-start.test.ts cannot see this. Its first npx call (before link-bin) puts the miniature into the
 * npx cache, so its second call finds it cached whether or not link-bin ran. Here the link is made FIRST, as
 * `prepare` does on a real install, and npm's cache is empty.
 *
 * What would close it (owner sqlrun, the CLI and how the bin is reached; the README is the lead's): a quick-start
 * command that does not go through `npm exec` of the project itself, e.g. `node node_modules/.bin/tsdp …` or an
 * `npm run tsdp -- …` script, or anything measured to start at once on this npm version.
 *
 * Closed at stop 19 (lead): the README's quick start no longer goes through npx in the checkout; it runs the
 * `tsdp` script of package.json (`npm run -s tsdp -- …`), and scripts/link-bin.mjs is gone. The regression below
 * runs the README's own runner, parsed from the quick start, on an empty npm cache; test/package/quick-start.test.ts
 * keeps the npx control.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'reviewml-npx-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('reviewml (issue 11, first hour): the quick start in a fresh checkout with an empty npm cache', () => {
  it('MET since stop 19: the README quick start’s first run does not run prepare (no second build)', () => {
    const dir = join(work, 'checkout');
    const marker = join(work, 'prepared');
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: manifest.name,
        version: '0.0.0-reviewml',
        type: 'module',
        bin: manifest.bin,
        scripts: { ...manifest.scripts, prepare: `node -e "require('fs').writeFileSync('${marker}', '')"` },
      }),
    );
    writeFileSync(join(dir, 'dist', 'cli', 'main.js'), "#!/usr/bin/env node\nconsole.log('stub ' + process.argv.slice(2).join(' '));\n");
    chmodSync(join(dir, 'dist', 'cli', 'main.js'), 0o755);
    const line = /## Quick start[\s\S]*?```sh\n([^\n]+)\n/.exec(readme)?.[1] ?? '';
    const runner = (/&&\s*(.+?)\s+sql\s/.exec(line)?.[1] ?? '').split(/\s+/);
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
      npm_config_cache: join(work, 'npm-cache'),
      npm_config_update_notifier: 'false',
    };
    const r = spawnSync(runner[0] as string, [...runner.slice(1), '--version'], { cwd: dir, encoding: 'utf8', env, timeout: 90_000 });
    expect(r.stdout.trim(), r.stderr).toBe('stub --version');
    expect(existsSync(marker)).toBe(false);
  }, 120_000);
});
