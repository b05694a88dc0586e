#!/usr/bin/env node
// In a checkout, `npx tsdp` should run the checkout's own build. npm does not link a package's own
// `bin` into its node_modules/.bin, so `npx tsdp` would install the checkout into npm's cache and run
// `prepare` (a full tsc build) again before every first run. Run from `prepare`, after the build, this
// links node_modules/.bin/tsdp to dist/cli/main.js: npx finds the local bin first and starts at once.
// Does nothing where there is no node_modules (e.g. npm pack of a git dependency).
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'dist', 'cli', 'main.js');
const modules = join(root, 'node_modules');
if (existsSync(modules) && existsSync(target)) {
  const bin = join(modules, '.bin');
  mkdirSync(bin, { recursive: true });
  const link = join(bin, 'tsdp');
  if (existsSync(link) || isLink(link)) rmSync(link, { force: true });
  symlinkSync('../../dist/cli/main.js', link);
  chmodSync(target, 0o755);
}

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
