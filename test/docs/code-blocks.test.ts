/**
 * Docs that are true: every ```ts block of README.md and of the guides in
 * docs/ (not the generated docs/api) is type-checked against the package's
 * own sources (imports of `tsdp` and `tsdp/*` resolve to src/), and run
 * unless its fence says `ts no-run` (code that needs a page or a server).
 * Claims written as comments are checked when the block runs:
 * - `stmt; // throws [DpError] CODE …` — the statement must throw a DpError with that code;
 * - `expr; // 1.97798 …` (a comment that starts with a number) — the value must round to it.
 * So a README example whose comment promises a throw or a number that the
 * code does not deliver fails here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

interface CodeBlock {
  readonly file: string;
  readonly line: number;
  readonly run: boolean;
  readonly code: string;
}

/** The ```ts blocks of a Markdown text. */
function extractTsBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)(\s.*)?$/.exec(lines[i] as string);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    blocks.push({ file, line: start, run: !/\bno-run\b/.test(open[2] ?? ''), code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

const THROWS = /^(\s*)(.+?);\s*\/\/\s*throws\s+(?:DpError\s+)?([A-Z_]+)\b.*$/;
const NUMBER = /^(\s*)([^=/]+?\([^;]*\));\s*\/\/\s*(-?\d+\.\d+)\b.*$/;
/** `expression; // { key: 0.125, nested: { key: 0.95 } } …` or `// [{ key: 2, other: 0.24698 }, …]`: a shape claim. */
const SHAPE = /^(\s*)([^/].*?);\s*\/\/\s*([[{].*[\]}])(.*)$/;
/**
 * A number a comment states after `≈`, or after `name =` / `name:`, on a line of code. Such a claim must be in the
 * checked form above (the number first, after a call), so that no claim in a run block goes unchecked: the README's
 * `// ρ ≈ 0.0175` stood beside a filter whose ρ is 0.02436 because only leading numbers were checked (reviewml, stop 19).
 */
const STATED = /\/\/.*?(?:≈\s*|[\p{L}_][\p{L}\p{N}_]*\s*[=:]\s*)(-?\d+\.\d+)/u;

/** The lines of code whose comment states a number in a form `instrument` does not check. */
function uncheckedClaims(code: string): string[] {
  return code
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line) && STATED.test(line) && !NUMBER.test(line) && !THROWS.test(line) && !SHAPE.test(line))
    .map((line) => line.trim());
}

/** The block's code with its comment claims turned into checks. */
function instrument(code: string): string {
  return code
    .split('\n')
    .map((line) => {
      const t = THROWS.exec(line);
      if (t) return `${t[1]}__docThrows(() => { ${t[2]}; }, ${JSON.stringify(t[3])});`;
      const n = NUMBER.exec(line);
      if (n) return `${n[1]}__docNear(${n[2]}, ${JSON.stringify(n[3])});`;
      const h = SHAPE.exec(line);
      if (h) return `${h[1]}__docShape(${h[2]}, ${JSON.stringify(h[3])});`;
      return line;
    })
    .join('\n');
}

const PRELUDE = `
function __docThrows(f: () => unknown, code: string): void {
  let thrown: unknown;
  try { f(); } catch (e) { thrown = e; }
  const got = (thrown as { code?: unknown } | undefined)?.code;
  if (got !== code) throw new Error(\`the docs claim a throw of \${code}; got \${thrown === undefined ? 'no throw' : String(got ?? thrown)}\`);
}
/** Each \`key: number\` the claim names, the number being the whole value (\`value: 42 + noise\` states none), is a numeric property of that name met, in the same order, walking the value. */
function __docShape(value: unknown, claim: string): void {
  const met: [string, number][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) typeof x === 'number' ? met.push([k, x]) : walk(x);
  };
  walk(value);
  let at = 0;
  for (const [, key, num] of claim.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\\s*:\\s*(-?\\d+(?:\\.\\d+)?)…?\\s*(?=[,}\\]])/g)) {
    const tol = 0.5 * 10 ** -((num as string).split('.')[1]?.length ?? 0) * (1 + 1e-9);
    while (at < met.length && !(met[at]?.[0] === key && Math.abs((met[at]?.[1] as number) - Number(num)) <= tol)) at++;
    if (at === met.length) throw new Error(\`the docs claim \${key}: \${num} in \${claim}; got \${JSON.stringify(value)}\`);
    at++;
  }
}
function __docNear(value: unknown, claimed: string): void {
  const decimals = claimed.split('.')[1]?.length ?? 0;
  if (typeof value !== 'number' || Math.abs(value - Number(claimed)) > 0.5 * 10 ** -decimals * (1 + 1e-9)) {
    throw new Error(\`the docs claim \${claimed}; got \${String(value)}\`);
  }
}
`;

function markdownFiles(): string[] {
  const files = [join(root, 'README.md')];
  const docs = join(root, 'docs');
  if (existsSync(docs)) {
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && path !== join(docs, 'api')) walk(path);
        else if (entry.isFile() && entry.name.endsWith('.md')) files.push(path);
      }
    };
    walk(docs);
  }
  return files;
}

const blocks = markdownFiles().flatMap((f) => extractTsBlocks(relative(root, f), readFileSync(f, 'utf8')));
const work = mkdtempSync(join(tmpdir(), 'tsdp-docs-'));
const names = blocks.map((b, i) => `block-${i}-${b.file.replace(/[^a-z0-9]+/gi, '-')}-L${b.line}.mts`);
blocks.forEach((b, i) => {
  writeFileSync(join(work, names[i] as string), `${PRELUDE}\n${instrument(b.code)}\nexport {};\n`);
});
writeFileSync(
  join(work, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022', 'DOM'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      paths: {
        tsdp: [join(root, 'src/index.ts')],
        'tsdp/local/client': [join(root, 'src/local/client.ts')],
        'tsdp/*': [join(root, 'src/*/index.ts')],
        vitest: [join(root, 'node_modules/vitest/dist/index.d.ts')],
      },
    },
    include: ['*.mts'],
  }),
);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('code blocks of the README and the guides', () => {
  it('there are blocks to check (the extractor found the README’s examples)', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(6);
  });

  it('every number a run block states in a comment is in the checked form', () => {
    const unchecked = blocks.filter((b) => b.run).flatMap((b) => uncheckedClaims(b.code).map((l) => `${b.file}:${b.line}: ${l}`));
    expect(unchecked).toEqual([]);
    expect(uncheckedClaims('const f = ZcdpFilter.fromEpsilonDelta(1, 1e-6); // ρ ≈ 0.0175')).toHaveLength(1);
    expect(uncheckedClaims('f.charge(g); // rho: 0.125, fits')).toHaveLength(1);
    expect(uncheckedClaims('new A().epsilon(1e-5); // 2.16159, ε ≈ 2.16159')).toEqual([]);
    expect(uncheckedClaims("m.privacyMap(1); // { kind: 'zcdp', rho: 0.125 }")).toEqual([]);
  });

  it('the instrumentation turns claims into checks, and a false claim fails', () => {
    expect(instrument('budget.charge(pure(1)); // throws DpError BUDGET_EXHAUSTED, charges nothing')).toBe(
      '__docThrows(() => { budget.charge(pure(1)); }, "BUDGET_EXHAUSTED");',
    );
    expect(instrument('new A().epsilon(1e-5); // 2.16159, same as dp_accounting')).toBe('__docNear(new A().epsilon(1e-5), "2.16159");');
    expect(instrument("m.privacyMap(1); // { kind: 'zcdp', rho: 0.125… }")).toBe(
      `__docShape(m.privacyMap(1), "{ kind: 'zcdp', rho: 0.125… }");`,
    );
    const shape = join(work, 'shape.ts');
    writeFileSync(
      shape,
      `${PRELUDE}\n__docShape({ a: { rho: 0.125 }, b: [{ d: 2 }] }, '{ rho: 0.125…, d: 2 }');\n__docShape({ value: 43.7, dIn: 1 }, '{ value: 42 + noise, dIn: 1 }');\n__docShape({ rho: 0.2 }, '{ rho: 0.125 }');\n`,
    );
    const rs = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), shape], { encoding: 'utf8' });
    expect(rs.status).not.toBe(0);
    expect(rs.stderr).toMatch(/the docs claim rho: 0\.125 in \{ rho: 0\.125 \}; got \{"rho":0\.2\}/);
    const probe = join(work, 'probe.ts');
    writeFileSync(probe, `${PRELUDE}\n__docThrows(() => 1, 'BUDGET_EXHAUSTED');\n`);
    const r = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), probe], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the docs claim a throw of BUDGET_EXHAUSTED; got no throw/);
  });

  it('every block type-checks against the package', () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', work], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    const report = (tsc.stdout + tsc.stderr).replace(/block-(\d+)-[^(]*\((\d+),/g, (_, i: string, l: string) => {
      const b = blocks[Number(i)] as CodeBlock;
      return `${b.file}:${b.line + Number(l) - PRELUDE.split('\n').length - 1} (`;
    });
    expect(report).toBe('');
    expect(tsc.status).toBe(0);
  }, 300_000);

  it.each(blocks.map((b, i) => [`${b.file}:${b.line}`, i] as const).filter(([, i]) => (blocks[i] as CodeBlock).run))(
    '%s runs and its claims hold',
    (_, i) => {
      const home = join(work, `home-${i}`);
      const r = spawnSync(
        process.execPath,
        [join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', join(work, 'tsconfig.json'), join(work, names[i] as string)],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, TSDP_HOME: home },
          timeout: 240_000,
        },
      );
      expect(r.stderr).not.toMatch(/the docs claim/);
      expect(r.status, r.stderr).toBe(0);
    },
    300_000,
  );
});
