/**
 * `tsdp` loads per verb: `--version` loads no verb; the verbs that do not touch data
 * (accountant, mechanism, audit) never reach DuckDB, pg, the SQL parser, Arrow, yaml or zod,
 * not even transitively; sql, schema and budget load them inside their actions only. The import graph is read from the sources (static imports and module-scope
 * `createRequire(…)('pkg')` calls and module-scope `require(…'pkg')` calls; a dynamic `import()` or a require inside a function is the lazy edge and is not followed).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands, commandsFor } from '../../src/cli/commands/index.js';

const SRC = resolve(import.meta.dirname, '../../src');
const HEAVY = ['@duckdb/node-api', 'pg', 'sql-parser-cst', 'apache-arrow', 'yaml', 'zod', 'csv-parse'];

/** Every package reached from `file` through static (non-type) imports. */
function staticPackages(file: string, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
  if (seen.has(file)) return packages;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  // `import x from '…'`, `export … from '…'` and `import '…'`, but not `import type` / `export type`.
  const re = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  // A module-scope `createRequire(import.meta.url)('pkg')` (at column 0: not inside a function) loads eagerly too.
  const eagerRequire = /^(?:const|let|var)\s+[^=\n]+=\s*createRequire\(import\.meta\.url\)\(['"]([^'"]+)['"]\)/gm;
  // …and a module-scope call of a `require` made that way, also with a vendored copy tried first (`require(copy ?? 'pkg')`).
  const eagerLocalRequire = /^(?:export\s+)?(?:const|let|var)\s+[^=\n]+=\s*require\((?:[^'"\n]*\?\?\s*)?['"]([^'"]+)['"]\)/gm;
  for (const m of [...text.matchAll(re), ...text.matchAll(eagerRequire), ...text.matchAll(eagerLocalRequire)]) {
    const spec = m[1] as string;
    if (spec.startsWith('.')) staticPackages(join(dirname(file), spec.replace(/\.js$/, '.ts')), seen, packages);
    else if (!spec.startsWith('node:'))
      packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
  }
  return packages;
}

describe('lazy loading of verbs', () => {
  it('loads no verb for --version, one verb when it is named, every verb for help', () => {
    expect(commandsFor(['--version'])).toEqual([]);
    expect(commandsFor(['-V'])).toEqual([]);
    expect(commandsFor(['accountant', '--delta', '1e-5']).map((c) => c.name)).toEqual(['accountant']);
    expect(commandsFor(['--json', 'sql', 'SELECT 1']).map((c) => c.name)).toEqual(['sql']);
    expect(commandsFor([]).length).toBe(commands.length);
    expect(commandsFor(['--help']).length).toBe(commands.length);
    expect(commandsFor(['help', 'sql']).length).toBe(commands.length);
    expect(commandsFor(['sqll']).length).toBe(commands.length);
  });

  it('main.ts itself reaches no heavy package', () => {
    const reached = staticPackages(join(SRC, 'cli/main.ts'));
    expect([...reached].filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it.each(['accountant', 'mechanism', 'audit', 'sql', 'schema', 'budget'])(
    'registering tsdp %s reaches no DuckDB, pg, SQL parser, Arrow, yaml or zod',
    (verb) => {
      const reached = staticPackages(join(SRC, `cli/commands/${verb}.ts`));
      expect([...reached].filter((p) => HEAVY.includes(p))).toEqual([]);
    },
  );

  it('the import scanner sees the heavy packages where they are (a check of the check)', () => {
    const reached = staticPackages(join(SRC, 'sql/engines/duckdb.ts'));
    expect(reached.has('@duckdb/node-api')).toBe(true);
    expect(staticPackages(join(SRC, 'sql/schema-format.ts')).has('zod')).toBe(true);
  });

  it('the SQL parser and yaml load on first use only: importing runDpSql, explainDpSql or the schema loader reaches neither', () => {
    for (const file of ['sql/run-dp-sql.ts', 'sql/explain-dp-sql.ts', 'sql/schema.ts', 'sql/index.ts']) {
      const reached = staticPackages(join(SRC, file));
      expect(
        [...reached].filter((p) => p === 'sql-parser-cst' || p === 'yaml'),
        file,
      ).toEqual([]);
    }
    // Where they are loaded instead: synchronously, on the first parse / the first YAML file.
    // (the minified copy a checkout's build writes to dist/vendor first, when built from the installed version).
    const loader = readFileSync(join(SRC, 'sql/load-parser.ts'), 'utf8');
    expect(loader).toMatch(/const require = createRequire\(import\.meta\.url\)/);
    expect(loader).toMatch(/require\('sql-parser-cst'\)/);
    expect(loader).toMatch(/\.\.\/vendor\/sql-parser-cst\.cjs/);
    expect(readFileSync(join(SRC, 'sql/schema.ts'), 'utf8')).toMatch(/createRequire\(import\.meta\.url\)\('yaml'\)/);
  });
});
