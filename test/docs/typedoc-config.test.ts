/**
 * The API reference's configuration: one TypeDoc entry per documented
 * subpath, each module named after its import path (`tsdp`, `tsdp/sql`, …),
 * source links into the repository that package.json names (with the `src/`
 * prefix the files have there), and the planner's internal plan types hidden
 * by the local plugin. (`npm run docs` in .ci/run builds the reference itself.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as {
  name: string;
  entryPoints: string[];
  sourceLinkTemplate: string;
  plugin: string[];
  excludeInternal: boolean;
};
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  repository: { url: string };
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

  it('links sources into the repository named by package.json, under src/', () => {
    const repository = manifest.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(config.sourceLinkTemplate.startsWith(`${repository}/blob/`)).toBe(true);
    expect(config.sourceLinkTemplate).toContain('/src/{path}#L{line}');
  });

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
