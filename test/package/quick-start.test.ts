/**
 * The README's quick start runs `npx tsdp …` in a fresh checkout after
 * `npm install`. npm does not link a package's own bin into its
 * node_modules/.bin, so npx used to install the checkout into npm's cache and
 * run `prepare` (a full build) again. `prepare` now ends with
 * scripts/link-bin.mjs, which links node_modules/.bin/tsdp to the build.
 * Checked on a miniature checkout (package.json named tsdp with the same bin,
 * a stub dist/cli/main.js, and a `prepare` that leaves a marker file): without
 * the link, `npx tsdp` runs `prepare` (the marker appears — the old slow path);
 * after link-bin it runs the stub at once and `prepare` does not run.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const work = mkdtempSync(join(tmpdir(), 'tsdp-quickstart-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npx tsdp in a checkout', () => {
  it('prepare builds and then links the bin', () => {
    expect(manifest.scripts.prepare).toMatch(/scripts\/build\.mjs.*&&.*scripts\/link-bin\.mjs/);
    expect(manifest.bin.tsdp).toBe('dist/cli/main.js');
  });

  it('without the link npx runs prepare again; after link-bin it runs the checkout’s build directly', () => {
    mkdirSync(join(work, 'scripts'));
    mkdirSync(join(work, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(work, 'node_modules'));
    copyFileSync(join(root, 'scripts', 'link-bin.mjs'), join(work, 'scripts', 'link-bin.mjs'));
    const marker = join(work, 'prepared');
    writeFileSync(
      join(work, 'package.json'),
      JSON.stringify({
        name: manifest.name,
        version: '0.0.0-test',
        type: 'module',
        bin: manifest.bin,
        scripts: { prepare: `node -e "require('fs').writeFileSync('${marker}', '')"` },
      }),
    );
    writeFileSync(join(work, 'dist', 'cli', 'main.js'), "#!/usr/bin/env node\nconsole.log('stub ' + process.argv.slice(2).join(' '));\n");
    chmodSync(join(work, 'dist', 'cli', 'main.js'), 0o755);
    // A clean environment: under `npx vitest` the npm_* variables of the outer npm would steer the inner npx.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const npx = () => spawnSync('npx', ['--yes', 'tsdp', 'demo', '--json'], { cwd: work, encoding: 'utf8', env, timeout: 60_000 });

    const before = npx();
    expect(before.stdout.trim(), before.stderr).toBe('stub demo --json');
    expect(existsSync(marker)).toBe(true); // the slow path: the checkout installed into npx's cache, prepare run
    rmSync(marker);

    const link = spawnSync(process.execPath, [join(work, 'scripts', 'link-bin.mjs')], { cwd: work, encoding: 'utf8' });
    expect(link.status, link.stderr).toBe(0);
    expect(readlinkSync(join(work, 'node_modules', '.bin', 'tsdp'))).toBe('../../dist/cli/main.js');
    const after = npx();
    expect(after.status, after.stderr).toBe(0);
    expect(after.stdout.trim()).toBe('stub demo --json');
    expect(existsSync(marker)).toBe(false);
  });

  it('link-bin does nothing where there is no node_modules (a packed git dependency)', () => {
    const bare = join(work, 'bare');
    mkdirSync(join(bare, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(bare, 'scripts'));
    writeFileSync(join(bare, 'dist', 'cli', 'main.js'), '');
    copyFileSync(join(root, 'scripts', 'link-bin.mjs'), join(bare, 'scripts', 'link-bin.mjs'));
    const r = spawnSync(process.execPath, [join(bare, 'scripts', 'link-bin.mjs')], { cwd: bare, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(() => statSync(join(bare, 'node_modules'))).toThrow();
  });
});
