#!/usr/bin/env node
// Builds dist/ from a clean slate (a file deleted from src/ must not linger in the package):
// removes dist/, then runs tsc with tsconfig.build.json (no source maps: the package ships no src/).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceDigest } from './source-digest.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The content version of the inputs, taken before the build reads them (scripts/source-digest.mjs), written last.
const digest = sourceDigest(root);
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);

// The SQL parser as one minified file (dist/vendor/sql-parser-cst.cjs), which src/sql/load-parser.ts loads
// before the package's own 121 files / 6.5 MB: loading it costs ≈ 0.12 s of CPU instead of ≈ 0.27 s, the
// largest fixed cost of a `tsdp sql` run (bench/sql/README.md). It is generated from the installed package
// here, for this checkout's build, and left out of the npm package (package.json "files": the parser is
// GPL-2.0-or-later; tsdp ships no copy of it). Skipped when esbuild (a dev dependency) is absent: the loader
// then falls back to the package itself.
const require = createRequire(import.meta.url);
let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  esbuild = undefined;
}
if (esbuild) {
  const parserPackage = require.resolve('sql-parser-cst/package.json');
  const { version, license } = require(parserPackage);
  await esbuild.build({
    entryPoints: [join(dirname(parserPackage), 'lib', 'main.js')],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    legalComments: 'none',
    banner: { js: `/* sql-parser-cst ${version} (${license}), minified from the installed package by scripts/build.mjs; not shipped in the npm package. */` },
    outfile: join(root, 'dist', 'vendor', 'sql-parser-cst.cjs'),
    logLevel: 'warning',
  });
}

// zod inlined, minified, into the one module that uses it on a CLI's path (dist/sql/schema-format.js; its own
// relative imports stay imports): every `tsdp sql` loads the privacy schema's format, and zod is ~100 ES modules —
// one file loads in less CPU (measured in bench/sql/README.md, "start-up"). zod is MIT: the copy is shipped with
// its notice in the banner. The types (dist/**/*.d.ts) still name the zod package, which stays a dependency.
if (esbuild) {
  const target = join(root, 'dist', 'sql', 'schema-format.js');
  const zodPackage = require.resolve('zod/package.json');
  const { version, license } = require(zodPackage);
  const notice = readFileSync(join(dirname(zodPackage), 'LICENSE'), 'utf8').replaceAll('*/', '* /');
  await esbuild.build({
    entryPoints: [target],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    legalComments: 'none',
    banner: { js: `/* tsdp's schema format; includes zod ${version} (${license}), bundled by scripts/build.mjs:\n${notice}*/` },
    plugins: [
      {
        // The module's own relative imports (../numeric/rational.js) stay imports of the other dist modules.
        name: 'keep-relative-imports',
        setup(build) {
          build.onResolve({ filter: /^\.\.?\// }, (a) => (a.importer === target ? { path: a.path, external: true } : undefined));
        },
      },
      {
        // zod's `z.locales` namespace (≈ 40 translations, 40% of the bundle) is never used: tsdp's messages are its own,
        // and zod's English default is imported by its schemas module directly, not through this namespace.
        name: 'no-zod-locales-namespace',
        setup(build) {
          build.onResolve({ filter: /\/locales\/index\.js$/ }, () => ({ path: 'zod-locales', namespace: 'empty' }));
          build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
        },
      },
    ],
    outfile: target,
    allowOverwrite: true,
    logLevel: 'warning',
  });
}

// DuckDB's Node API as one minified CommonJS file (dist/vendor/duckdb-node-api.cjs), which
// src/sql/engines/duckdb-driver.ts loads instead of the package's ≈ 100 files when it was built from the installed
// version (its banner names it): ≈ 40 ms less CPU per process. Its native bindings (@duckdb/node-bindings) stay
// external: one native library either way. For this checkout's build only, like the parser (dist/vendor is not in
// the npm package); MIT, its notice in the banner.
if (esbuild) {
  const apiPackage = require.resolve('@duckdb/node-api/package.json');
  const { version, license } = require(apiPackage);
  const notice = readFileSync(join(dirname(apiPackage), 'LICENSE'), 'utf8').replaceAll('*/', '* /');
  await esbuild.build({
    entryPoints: [join(dirname(apiPackage), 'lib', 'index.js')],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@duckdb/node-bindings'],
    legalComments: 'none',
    banner: { js: `/* @duckdb/node-api ${version} (${license}), minified from the installed package by scripts/build.mjs; not shipped in the npm package.\n${notice}*/` },
    outfile: join(root, 'dist', 'vendor', 'duckdb-node-api.cjs'),
    logLevel: 'warning',
  });
}

// The CLI as one bundle (dist/vendor/cli/tsdp.js and its chunks), which src/cli/main.ts runs when it is there:
// `tsdp sql` then loads ≈ 25 files instead of ≈ 200 ES modules (each resolved, read and linked on its own), ≈ 50 ms
// less CPU per run (bench/sql/README.md). Only tsdp's own modules are bundled (packages stay imports), split per
// verb (esbuild's code splitting keeps each verb's code loaded on demand, and every module once, so one class is
// one class across verbs). A module's `import.meta.url` / `import.meta.dirname` are rewritten to its own file in
// dist/, so what it finds beside itself (the vendored parser, demo's examples, the JSON Schema, workers) is found
// as from dist/. For this checkout's build: dist/vendor is not in the npm package, whose CLI runs the modules.
if (esbuild) {
  const outdir = join(root, 'dist', 'vendor', 'cli');
  const distDir = join(root, 'dist');
  await esbuild.build({
    entryPoints: { tsdp: join(distDir, 'cli', 'run.js') },
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir,
    chunkNames: '[name]-[hash]',
    legalComments: 'none',
    banner: { js: '/* tsdp CLI, bundled from dist/ by scripts/build.mjs; not shipped in the npm package. */' },
    logLevel: 'warning',
    plugins: [
      {
        name: 'own-file-urls',
        setup(build) {
          build.onLoad({ filter: /\.js$/ }, (a) => {
            if (!a.path.startsWith(distDir)) return undefined;
            const text = readFileSync(a.path, 'utf8');
            if (!text.includes('import.meta')) return { contents: text, loader: 'js' };
            const file = relative(outdir, a.path).split(sep).join('/');
            const dir = relative(outdir, dirname(a.path)).split(sep).join('/');
            return {
              contents: text
                .replaceAll('import.meta.url', `new URL(${JSON.stringify(file)}, import.meta.url).href`)
                .replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${dir}`)})`),
              loader: 'js',
            };
          });
        },
      },
    ],
  });
}

// Last, so that a build that stopped part-way has no digest and is never taken for current (test/cli/run-cli.ts).
mkdirSync(join(root, 'dist', 'vendor'), { recursive: true });
writeFileSync(join(root, 'dist', 'vendor', 'source-digest.txt'), `${digest}\n`);
