/**
 * D53: the rule for a build's vendored single-file copies (`src/sql/_internal/vendored.ts`), shared by the SQL
 * parser's loader and DuckDB's driver: a copy is used only when its banner names the installed version.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { vendoredCopy } from '../../src/sql/_internal/vendored.js';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'tsdp-vendored-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function copyWith(banner: string, file = 'copy.cjs'): URL {
  const path = join(dir, file);
  writeFileSync(path, `${banner}\nmodule.exports = {};\n`);
  return pathToFileURL(path);
}

describe('vendored copies: used only when built from the installed version', () => {
  for (const name of ['sql-parser-cst', '@duckdb/node-api']) {
    const { version } = require(`${name}/package.json`) as { version: string };

    it(`${name}: the installed version's copy is used; another version's, a missing or an unreadable one is not`, () => {
      const good = copyWith(`/* ${name} ${version} (MIT), minified from the installed package by scripts/build.mjs */`, 'good.cjs');
      expect(vendoredCopy(good, name)).toBe(join(dir, 'good.cjs'));
      expect(vendoredCopy(copyWith(`/* ${name} ${version}1 (MIT) */`), name)).toBeUndefined();
      expect(vendoredCopy(copyWith(`/* ${name} 0.0.0 (MIT) */`), name)).toBeUndefined();
      expect(vendoredCopy(copyWith(`/* other-package ${version} (MIT) */`), name)).toBeUndefined();
      expect(vendoredCopy(pathToFileURL(join(dir, 'missing.cjs')), name)).toBeUndefined();
      expect(vendoredCopy(pathToFileURL(dir), name)).toBeUndefined(); // a directory: not readable as a copy
      expect(vendoredCopy(good, 'no-such-package-installed')).toBeUndefined();
    });

    it(`${name} (fast-check, seed 53): a banner naming any other version is never used`, () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[0-9][0-9a-z.+-]{0,20}$/), (other) => {
          fc.pre(other !== version);
          expect(vendoredCopy(copyWith(`/* ${name} ${other} (MIT) */`), name)).toBeUndefined();
        }),
        { seed: 53, numRuns: 100 },
      );
    });
  }
});
