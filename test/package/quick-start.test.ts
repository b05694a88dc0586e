/**
 * The README's quick start is `npm install … && <runner> sql …` in a fresh checkout. The runner must start the
 * checkout's own build without building it again. `npx tsdp` does not: npm 11's `npx` first asks whether the
 * current project's package.json has the bin, installs the project into its cache and runs `prepare` (a full
 * build) before it runs the bin — whatever node_modules/.bin holds (reviewml, stop 19: an earlier fix linked
 * node_modules/.bin/tsdp, which only looked like a fix once the npx cache was warm). So the quick start runs the
 * `tsdp` script of package.json (`npm run -s tsdp -- …`), which runs dist/cli/main.js directly.
 *
 * Checked on a miniature checkout (package.json named tsdp with the same bin and `tsdp` script, a stub
 * dist/cli/main.js, and a `prepare` that leaves a marker file) with an EMPTY npm cache, as on a new machine.
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
const work = mkdtempSync(join(tmpdir(), 'tsdp-quickstart-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The quick start's first command: `npm install … && <runner> sql …`; the runner is what precedes `sql`. */
function quickStartRunner(): string[] {
  const block = /## Quick start[\s\S]*?```sh\n([^\n]+)\n/.exec(readme)?.[1] ?? '';
  const run = /&&\s*(.+?)\s+sql\s/.exec(block)?.[1];
  if (run === undefined) throw new Error(`no "npm install … && <runner> sql …" line in the quick start: ${block}`);
  return run.split(/\s+/);
}

/** A miniature checkout after `npm install`: the build (a stub) exists; `prepare` would leave a marker. */
function checkout(): { dir: string; marker: string } {
  const dir = join(work, 'checkout');
  const marker = join(work, 'prepared');
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: manifest.name,
      version: '0.0.0-quickstart',
      type: 'module',
      bin: manifest.bin,
      scripts: { prepare: `node -e "require('fs').writeFileSync('${marker}', '')"`, tsdp: manifest.scripts.tsdp },
    }),
  );
  const main = join(dir, 'dist', 'cli', 'main.js');
  writeFileSync(main, "#!/usr/bin/env node\nconsole.log('stub ' + process.argv.slice(2).join(' '));\n");
  chmodSync(main, 0o755);
  return { dir, marker };
}

describe('the quick start reaches the checkout’s build without a second build', () => {
  const { dir, marker } = checkout();
  // A clean environment and an empty npm cache (npm_* of an outer npm would steer the inner one).
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    npm_config_cache: join(work, 'npm-cache'),
    npm_config_update_notifier: 'false',
  };
  const fresh = () => {
    rmSync(join(work, 'npm-cache'), { recursive: true, force: true });
    rmSync(marker, { force: true });
  };

  it('the tsdp script runs the build’s CLI, the one bin the package declares', () => {
    expect(manifest.scripts.prepare).toBe('node scripts/build.mjs');
    expect(manifest.scripts.tsdp).toBe(`node ${manifest.bin.tsdp}`);
    expect(quickStartRunner()).toEqual(['npm', 'run', '-s', 'tsdp', '--']);
  });

  it('the README’s runner prints the CLI’s output alone and does not run prepare, on an empty npm cache', () => {
    fresh();
    const [cmd, ...args] = quickStartRunner() as [string, ...string[]];
    const r = spawnSync(cmd, [...args, 'sql', '--version'], { cwd: dir, encoding: 'utf8', env, timeout: 90_000 });
    expect(r.stdout.trim(), r.stderr).toBe('stub sql --version');
    expect(existsSync(marker)).toBe(false);
  }, 120_000);

  it('control, why the README avoids npx here: `npx tsdp` in the checkout runs prepare first', () => {
    fresh();
    const r = spawnSync('npx', ['--yes', 'tsdp', '--version'], { cwd: dir, encoding: 'utf8', env, timeout: 90_000 });
    expect(r.stdout.trim(), r.stderr).toBe('stub --version');
    expect(existsSync(marker)).toBe(true);
  }, 120_000);
});
