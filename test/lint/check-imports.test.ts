/** The import-graph lint (scripts/check-imports.mjs) finds each class of violation, and the real tree is clean. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { checkImports, RANKS } from '../../scripts/check-imports.mjs';

const check = checkImports as (root?: string) => string[];
const ranks = RANKS as Record<string, number>;
const roots: string[] = [];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'tsdp-imports-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('check-imports', () => {
  it('accepts a tree that follows the rules', () => {
    const root = tree({
      'src/numeric/a.ts': 'export const a = 1;\n',
      'src/random/b.ts': "import { a } from '../numeric/a.js';\nexport const b = a;\n",
      'src/random/_internal/c.ts': "import { b } from '../b.js';\nexport const c = b;\n",
      'test/random/c.test.ts':
        "import { c } from '../../src/random/_internal/c.js';\nimport '../../src/testing/kit.js';\nexport const t = c;\n",
      'src/testing/kit.ts': "import { b } from '../random/b.js';\nexport const k = b;\n",
    });
    expect(check(root)).toEqual([]);
  });

  it('reports a cycle, a foreign _internal import, a production import of testing and an arrow against the order', () => {
    const root = tree({
      'src/core/x.ts': "import { y } from './y.js';\nexport const x = y;\n",
      'src/core/y.ts': "import type { x } from './x.js';\nexport const y = 1;\nexport type X = typeof x;\n",
      'src/mechanisms/_internal/n.ts': 'export const n = 1;\n',
      'src/accounting/p.ts': "import { n } from '../mechanisms/_internal/n.js';\nexport const p = n;\n",
      'src/audit/q.ts': "import { k } from '../testing/kit.js';\nexport const q = k;\n",
      'src/testing/kit.ts': 'export const k = 1;\n',
      'src/random/r.ts': "import { x } from '../core/x.js';\nexport const r = x;\n",
      'test/random/t.test.ts': "import { n } from '../../src/mechanisms/_internal/n.js';\nexport const t = n;\n",
    });
    const problems = check(root);
    expect(problems.some((p) => p.startsWith('import cycle: src/core/x.ts → src/core/y.ts → src/core/x.ts'))).toBe(true);
    expect(problems).toContain("src/accounting/p.ts imports another folder's _internal: src/mechanisms/_internal/n.ts");
    expect(problems).toContain("test/random/t.test.ts imports another folder's _internal: src/mechanisms/_internal/n.ts");
    expect(problems).toContain('src/audit/q.ts (production) imports src/testing: src/testing/kit.ts');
    expect(problems).toContain('src/random/r.ts imports against the order (random → core): src/core/x.ts');
    expect(problems).toHaveLength(6); // the five above and audit → testing against the order
  });

  it('generative: an import between two folders is flagged exactly when it points against DESIGN.md order', () => {
    const folders = Object.keys(ranks).filter((f) => f !== '' && f !== 'testing');
    fc.assert(
      fc.property(fc.constantFrom(...folders), fc.constantFrom(...folders), (from, to) => {
        fc.pre(from !== to);
        const root = tree({
          [`src/${from}/a.ts`]: `import { b } from '../${to}/b.js';\nexport const a = b;\n`,
          [`src/${to}/b.ts`]: 'export const b = 1;\n',
        });
        const problems = check(root);
        rmSync(root, { recursive: true, force: true });
        const against = (ranks[to] as number) > (ranks[from] as number);
        expect(problems.length === 1).toBe(against);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('the repository itself has no problem beyond the listed baseline', () => {
    const problems = check();
    const file = join(__dirname, '../../scripts/import-graph-baseline.json');
    const baseline = (JSON.parse(readFileSync(file, 'utf8')) as { known: { problem: string }[] }).known.map((e) => e.problem);
    expect(problems.filter((p) => !baseline.includes(p))).toEqual([]);
  });
});
