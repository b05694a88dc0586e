#!/usr/bin/env node
// The content version of what `scripts/build.mjs` builds from: SHA-256 over the path and bytes of every file under
// src/, plus tsconfig.build.json and scripts/build.mjs. The build writes it to dist/vendor/source-digest.txt (not in
// the npm package); test/cli/run-cli.ts runs dist/ only when it equals the checkout's, since an mtime is no content
// version (`cp -p`, `tar x`, a clock ahead at build: review stop 23 second). Run alone, it prints the digest.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every file under `dir`, sorted by its path relative to `root` (with '/' separators). */
function files(root, dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The digest of the build's inputs under `root`, hex. */
export function sourceDigest(root) {
  const hash = createHash('sha256');
  for (const path of [...files(root, join(root, 'src')), 'tsconfig.build.json', 'scripts/build.mjs']) {
    const bytes = readFileSync(join(root, path));
    hash.update(`${path}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${sourceDigest(join(dirname(fileURLToPath(import.meta.url)), '..'))}\n`);
}
