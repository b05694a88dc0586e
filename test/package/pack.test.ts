/**
 * The package as a user gets it: `npm pack` (which runs `prepare`, a clean
 * build), the tarball installed into an empty project, then `require`, `import`,
 * the types and the `tsdp` bin used from there. The class this closes: a
 * package whose manifest promises something its tarball does not deliver
 * (an entry without a `default` condition, a file the exports name but the
 * tarball lacks, a source map pointing at unshipped sources, a hard
 * dependency on an optional peer).
 *
 * Dependencies come from npm's cache (`--prefer-offline`): CI's own
 * `npm install` has filled it, so the test needs no network there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, string | Record<string, string>>;
  files: string[];
};
/**
 * Packed-size ceiling: measured 1.04 MB on 2026-12-05 with tsdp/learn and tsdp/synth in (0.70 MB before them),
 * of which examples/adult.csv (the demo's data) is 0.36 MB gzipped; ≈ 1.26 MB on 2026-12-06, then 1.31 MB with
 * zod bundled into dist/sql/schema-format.js (+57 kB gzipped; ≈ 80 ms less CPU at every `tsdp sql` start,
 * bench/sql/README.md); 1.42 MB at stop 15 (offline LiRA, directed libm and the outward RDP terms, the synthesis work
 * bound, the DP-SGD margin code); 1.51 MB at stop 17 (the SWOR Gaussian's interval RDP, log-erfc bounds, the engines'
 * resource limits and catalog checks, resident wasm convolution and pooling; no accidental file: the list was read).
 * 1.607 MB at stop 20 (the relaxed-SIMD build of the learn kernels, a second wasm module shipped as base64 beside the
 * default one; the fine-grid quantile sampler; the text bounds). 1.708 MB at stop 25 (the streamed and snapshot
 * readers of stop 24, the compiled-statement memo, the training noise's pool; the list was read: no accidental file,
 * no map, no test, nothing from wip/). The ceiling leaves ~5% for growth.
 */
const MAX_PACKED_BYTES = 1_800_000;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

function run(command: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', TSDP_HOME: join(cwd, '.tsdp-home') },
    timeout: 180_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the packed package, installed into an empty project', () => {
  let work = '';
  let project = '';
  let pack: PackResult;
  /** npm's output of the install (stdout and stderr), for the EBADENGINE check. */
  let installLog = '';

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tsdp-pack-'));
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    pack = (JSON.parse(out) as PackResult[])[0] as PackResult;
    project = join(work, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, pack.filename)], project);
    expect(install.status, install.stderr).toBe(0);
    installLog = `${install.stdout}\n${install.stderr}`;
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(`is small (packed under ${MAX_PACKED_BYTES} bytes) and ships no source maps, tests or sources`, () => {
    expect(pack.size).toBeLessThan(MAX_PACKED_BYTES);
    const paths = pack.files.map((f) => f.path);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths.filter((p) => /\.test(-d)?\.(js|d\.ts)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/'))).toEqual([]);
    for (const needed of ['LICENSE', 'README.md', 'SECURITY.md', 'package.json', 'dist/cli/main.js', 'examples/adult.csv']) {
      expect(paths).toContain(needed);
    }
    // No shipped file points at a source map (the maps and src/ are not shipped).
    const installed = join(project, 'node_modules', 'tsdp');
    for (const p of paths.filter((p) => p.endsWith('.js'))) {
      expect(readFileSync(join(installed, p), 'utf8'), p).not.toMatch(/sourceMappingURL/);
    }
  });

  it('every target named in "exports" is in the tarball, and each entry has types, import and default conditions', () => {
    const paths = new Set(pack.files.map((f) => f.path));
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') {
        expect(paths.has(target.replace(/^\.\//, '')), subpath).toBe(true);
        continue;
      }
      expect(Object.keys(target), subpath).toEqual(['types', 'import', 'default']);
      for (const file of Object.values(target)) expect(paths.has(file.replace(/^\.\//, '')), `${subpath} → ${file}`).toBe(true);
    }
  });

  it('require() and import() load every subpath, and package.json is exported', () => {
    const subpaths = Object.keys(manifest.exports).map((s) => (s === '.' ? 'tsdp' : `tsdp/${s.slice(2)}`));
    const script = `
      const { createRequire } = require('node:module');
      const out = {};
      for (const s of ${JSON.stringify(subpaths)}) out[s] = typeof require(s);
      out.version = require('tsdp/package.json').version;
      out.laplace = typeof require('tsdp').makeLaplace;
      console.log(JSON.stringify(out));`;
    const cjs = run(process.execPath, ['--input-type=commonjs', '-e', script], project);
    expect(cjs.stderr).not.toMatch(/ERR_/);
    expect(cjs.status, cjs.stderr).toBe(0);
    const loaded = JSON.parse(cjs.stdout) as Record<string, string>;
    for (const s of subpaths) expect(loaded[s], s).toBe('object');
    expect(loaded.version).toBe(manifest.version);
    expect(loaded.laplace).toBe('function');

    const esm = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `for (const s of ${JSON.stringify(subpaths)}) await import(s, s.endsWith('.json') ? { with: { type: 'json' } } : undefined); console.log('ok');`,
      ],
      project,
    );
    expect(esm.status, esm.stderr).toBe(0);
    expect(esm.stdout.trim()).toBe('ok');
  });

  // Issue 11: fastify 5 → light-my-request → cookie@2 declares Node ≥ 22, so while fastify was a dependency every
  // install on Node 20 (which package.json's engines admit) warned EBADENGINE. fastify is an optional peer now
  // (src/server/load-fastify.ts); no installed package may declare an engine this Node does not satisfy.
  it('installs without an EBADENGINE warning, and fastify (an optional peer) is not installed', () => {
    expect(installLog).not.toMatch(/EBADENGINE/);
    const r = run(
      process.execPath,
      ['-e', "try { require.resolve('fastify'); console.log('found') } catch { console.log('absent') }"],
      project,
    );
    expect(r.stdout.trim()).toBe('absent');
  });

  it('fastify is an optional peer: createQueryServer without it fails with DpError NOT_FOUND naming it', () => {
    const r = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createQueryServer } from 'tsdp/server';
         try { await createQueryServer({}); console.log('no error'); } catch (e) { console.log([e.code, e.details?.name].join(':')); }`,
      ],
      project,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('NOT_FOUND:fastify');
  });

  it('pg is an optional peer: it is not installed, and PostgreSQL use fails with DpError NOT_FOUND naming it', () => {
    const r = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { PostgresLedger, PostgresEngine } from 'tsdp/sql';
         const codes = [];
         for (const attempt of [() => new PostgresLedger('postgres://u@127.0.0.1:1/d').entries('d'), () => PostgresEngine.open({ connectionString: 'postgres://u@127.0.0.1:1/d' })]) {
           try { await attempt(); codes.push('no error'); } catch (e) { codes.push([e.code, e.details?.name].join(':')); }
         }
         console.log(codes.join(','));`,
      ],
      project,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('NOT_FOUND:pg,NOT_FOUND:pg');
  });

  it.each([
    // Browser-safe entries: a web project has no @types/node.
    [
      'browser-safe entries, without @types/node',
      'browser',
      [],
      [
        "import { makeLaplace, PrivacyBudget } from 'tsdp';",
        "import { createAggregator } from 'tsdp/local';",
        "import { createOlhClient } from 'tsdp/local/client';",
        "import * as audit from 'tsdp/audit';",
        'export const used = [makeLaplace, PrivacyBudget, createAggregator, createOlhClient, audit];',
      ],
    ],
    // Node-only entries, in a Node project (with @types/node).
    [
      'Node-only entries, with @types/node',
      'node',
      ['node'],
      ["import * as sql from 'tsdp/sql';", "import { csvSource } from 'tsdp/node';", 'export const used = [sql, csvSource];'],
    ],
  ] as const)(
    'the published types check in a strict consumer without skipLibCheck: %s',
    (_, name, types, lines) => {
      writeFileSync(join(project, `${name}.ts`), lines.join('\n'));
      writeFileSync(
        join(project, `tsconfig.${name}.json`),
        JSON.stringify({
          compilerOptions: {
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2022',
            lib: ['ES2022', 'DOM'],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types,
            typeRoots: [join(root, 'node_modules', '@types')],
          },
          files: [`${name}.ts`],
        }),
      );
      const tsc = run(
        process.execPath,
        [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(project, `tsconfig.${name}.json`)],
        project,
      );
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    },
    240_000,
  );

  it('the installed bin runs: tsdp --version and tsdp demo', () => {
    const bin = join(project, 'node_modules', '.bin', 'tsdp');
    const version = run(bin, ['--version'], project);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(manifest.version);
    const demo = run(bin, ['demo'], work);
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/refused \(nothing spent\)/);
  });
});
