#!/usr/bin/env node
// Builds dist/ from a clean slate (a file deleted from src/ must not linger in the package):
// removes dist/, then runs tsc with tsconfig.build.json (no source maps: the package ships no src/).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
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
