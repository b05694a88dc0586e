/**
 * The vendored single-file copies a checkout's build writes (`scripts/build.mjs`: `dist/vendor/*.cjs`, each a
 * package's JavaScript minified into one file, faster to load than the package's many files). Each copy starts with
 * a banner naming the package and the version it was built from (`/* <name> <version> (<license>) …`), and is used
 * only when that version is the one installed, so the copy and the package never differ; otherwise (no copy: from
 * `src/`, or in the npm package, which ships no `dist/vendor`; a copy left from another version) the caller loads
 * the package itself. One rule for every copy (D53: it was written twice, in `load-parser.ts` and
 * `engines/duckdb-driver.ts`).
 * @module
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Bytes of a copy read for its banner (the name and version come first). */
const BANNER_BYTES = 120;

/**
 * The path of the vendored copy `file` of package `name` when it exists and its banner names the installed version.
 * @param file - where the copy would be (a URL relative to the caller's own `import.meta.url`).
 * @param name - the package, as installed (its `package.json` gives the version).
 * @returns the copy's file path, or undefined when there is no copy, it cannot be read, or it names another version.
 */
export function vendoredCopy(file: URL, name: string): string | undefined {
  try {
    const path = fileURLToPath(file);
    const { version } = require(`${name}/package.json`) as { version: string };
    const banner = Buffer.alloc(BANNER_BYTES);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, banner, 0, banner.length, 0);
    } finally {
      closeSync(fd);
    }
    return banner.toString('latin1').includes(`${name} ${version} `) ? path : undefined;
  } catch {
    return undefined;
  }
}
