/**
 * The API reference's configuration: one TypeDoc entry per documented
 * subpath, each module named after its import path (`tsdp`, `tsdp/sql`, …),
 * source links relative to the reference's pages that open the checkout's own
 * `src/` files (package.json's repository is a placeholder), and the planner's internal plan types hidden
 * by the local plugin. (`npm run docs` in .ci/run builds the reference itself.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as {
  name: string;
  entryPoints: string[];
  sourceLinkTemplate: string;
  out: string;
  plugin: string[];
  excludeInternal: boolean;
};
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
};

/** The source file behind a package subpath ('.' → src/index.ts, './local/client' → src/local/client.ts). */
function sourceOf(subpath: string): string {
  if (subpath === '.') return 'src/index.ts';
  const rest = subpath.slice(2);
  return existsSync(join(root, 'src', rest, 'index.ts')) ? `src/${rest}/index.ts` : `src/${rest}.ts`;
}

describe('typedoc.json', () => {
  it('documents every code subpath of the package, each module named after its import path', () => {
    const subpaths = Object.keys(manifest.exports).filter((s) => s !== './package.json' && !s.endsWith('.json'));
    expect(config.name).toBe('tsdp');
    for (const subpath of subpaths) {
      const file = sourceOf(subpath);
      expect(config.entryPoints, subpath).toContain(file);
      const name = subpath === '.' ? 'tsdp' : `tsdp/${subpath.slice(2)}`;
      expect(readFileSync(join(root, file), 'utf8'), file).toMatch(new RegExp(`@module ${name.replace('/', '\\/')}\\s*\\n`));
    }
  });

  it('links sources relatively: from a page of the reference (<out>/<kind>/<page>.html) to the checkout’s src/', () => {
    // The repository package.json names is a placeholder (README), so links into it could not work; the
    // reference is built in the checkout (npm run docs), beside the sources its links open.
    expect(config.sourceLinkTemplate).toMatch(/^(\.\.\/)+src\/\{path\}#L\{line\}$/);
    const prefix = config.sourceLinkTemplate.slice(0, config.sourceLinkTemplate.indexOf('{path}'));
    expect(resolve(root, config.out, 'functions', prefix)).toBe(join(root, 'src'));
  });

  // CI builds the reference (npm run docs) before the tests; elsewhere it may not exist.
  it.runIf(existsSync(join(root, config.out, 'functions')))(
    'every source link of the built reference opens an existing file at an existing line',
    () => {
      let links = 0;
      for (const kind of readdirSync(join(root, config.out), { withFileTypes: true }).filter(
        (d) => d.isDirectory() && d.name !== 'assets',
      )) {
        const dir = join(root, config.out, kind.name);
        for (const page of readdirSync(dir).filter((f) => f.endsWith('.html'))) {
          for (const [, href, line] of readFileSync(join(dir, page), 'utf8').matchAll(/href="([^"#]*\.ts)#L(\d+)"/g)) {
            const file = resolve(dir, href as string);
            expect(existsSync(file), `${kind.name}/${page}: ${href}`).toBe(true);
            expect(readFileSync(file, 'utf8').split('\n').length).toBeGreaterThanOrEqual(Number(line));
            links++;
          }
        }
      }
      expect(links).toBeGreaterThan(100);
    },
  );

  it('hides @internal declarations and, through the plugin, the planner’s plan types', async () => {
    expect(config.excludeInternal).toBe(true);
    expect(config.plugin).toContain('./scripts/typedoc-plugin.mjs');
    const pluginPath = '../../scripts/typedoc-plugin.mjs'; // plain JavaScript (no declaration file)
    const { INTERNAL_SOURCES } = (await import(pluginPath)) as { INTERNAL_SOURCES: RegExp[] };
    const hidden = (f: string) => INTERNAL_SOURCES.some((re) => re.test(f));
    expect(hidden('/repo/src/sql/plan.ts')).toBe(true);
    expect(hidden('/repo/src/sql/plan/expressions.ts')).toBe(true);
    expect(hidden('/repo/src/sql/plan-query.ts')).toBe(false);
    expect(hidden('/repo/src/sql/run-dp-sql.ts')).toBe(false);
  });
});
