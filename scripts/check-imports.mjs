#!/usr/bin/env node
/**
 * Import-graph lint for tsdp (run by `npm run lint`).
 *
 * Rules (DESIGN.md, "One package, one folder per concept"; TEAM/STYLE rules):
 *  1. No import cycle between files of src/ (type-only imports count too: a cycle of types is
 *     still a cycle of concepts, and the next value import turns it into a load-order bug).
 *  2. No import of another folder's `_internal/`: a file may import `src/X/_internal/*` only from
 *     inside `src/X/` (tests: only from `test/X/` or `src/X/**.test.ts`).
 *  3. No production import of `src/testing/` (any file of src/ outside src/testing/ and not a test).
 *  4. Arrows point one way, along DESIGN.md's order
 *       numeric ← random ← core ← mechanisms ← accounting/stats ← session
 *         ← ledger/sql/learn/synth/local/audit ← server/cli
 *     A production file of folder A may import folder B only if rank(B) ≤ rank(A); two folders of the
 *     same rank may import each other's public files (rule 1 still forbids cycles). `src/testing` sits
 *     above everything (it is imported by tests only); `src/index.ts` is
 *     the entry point that re-exports and sits above everything too.
 *
 * Known violations owned by other areas are listed, each with its owner, in
 * `scripts/import-graph-baseline.json`: they are reported as warnings until fixed, and an entry
 * that no longer occurs is itself an error (so the list only shrinks). Nothing new may be added to it.
 *
 * Usage: node scripts/check-imports.mjs [--json] [--strict]   (--strict ignores the baseline;
 * exit status 1 when any rule is broken)
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const defaultRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** DESIGN.md's order; a higher rank may import a lower or equal one. */
export const RANKS = {
  numeric: 0,
  random: 1,
  core: 2,
  mechanisms: 3,
  accounting: 4,
  stats: 4,
  io: 2, // src/io: the shared private-record readers (CSV record rule); imports nothing above core
  session: 5,
  ledger: 6,
  sql: 6,
  learn: 6,
  synth: 6,
  local: 6,
  audit: 6,
  server: 7,
  cli: 7,
  node: 8, // src/node: the Node-only subpath tsdp/node (re-exports)
  testing: 9,
  '': 10, // src/index.ts
};

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(m?ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const isTest = (r) => r.startsWith('test/') || r.startsWith('bench/') || /\.test\.ts$/.test(r);

/** The src folder of a repository path ('' for src/index.ts), or undefined outside src/. */
function folderOf(r) {
  const m = /^src\/([^/]+)\//.exec(r);
  if (m) return m[1];
  return r.startsWith('src/') ? '' : undefined;
}

/** The folder a test file belongs to: test/X/… or src/X/….test.ts. */
function testFolderOf(r) {
  const m = /^(?:test|bench)\/([^/]+)\//.exec(r);
  return m ? m[1] : folderOf(r);
}

function resolveSpecifier(fromFile, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), spec);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

/** Every problem of the import graph of the repository at `root`, as one line each. */
export function checkImports(root = defaultRoot) {
  const rel = (p) => relative(root, p).split(sep).join('/');
  const files = [...walk(join(root, 'src')), ...walk(join(root, 'test')), ...walk(join(root, 'bench'))];
  const problems = [];
  const graph = new Map(); // production src files only
  for (const file of files) {
    const r = rel(file);
    const text = readFileSync(file, 'utf8');
    const info = ts.preProcessFile(text, true, true);
    const targets = [];
    for (const { fileName } of info.importedFiles) {
      const target = resolveSpecifier(file, fileName);
      if (target === undefined) continue;
      targets.push(rel(target));
    }
    const test = isTest(r);
    const from = test ? testFolderOf(r) : folderOf(r);
    for (const t of targets) {
      const m = /^src\/([^/]+)\/(?:.*\/)?_internal\//.exec(t);
      if (m && m[1] !== from) {
        problems.push(`${r} imports another folder's _internal: ${t}`);
      }
      if (!test && r.startsWith('src/') && folderOf(r) !== 'testing' && t.startsWith('src/testing/')) {
        problems.push(`${r} (production) imports src/testing: ${t}`);
      }
      if (!test && r.startsWith('src/')) {
        const a = folderOf(r);
        const b = folderOf(t);
        if (b !== undefined && a !== b) {
          const ra = RANKS[a];
          const rb = RANKS[b];
          if (ra === undefined) problems.push(`${r}: folder src/${a} has no place in the import order (scripts/check-imports.mjs RANKS)`);
          else if (rb === undefined) problems.push(`${t}: folder src/${b} has no place in the import order`);
          else if (rb > ra) problems.push(`${r} imports against the order (${a || 'src'} → ${b}): ${t}`);
        }
      }
    }
    if (!test && r.startsWith('src/')) graph.set(r, targets.filter((t) => t.startsWith('src/') && !isTest(t)));
  }
  for (const cycle of findCycles(graph)) problems.push(`import cycle: ${cycle.join(' → ')}`);
  return problems;
}

/** One cycle per strongly connected component with more than one file (or a self-loop). */
function findCycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const sccs = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) sccs.push(comp);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  // For each component, report one shortest cycle through its first file (BFS inside the component).
  return sccs.map((comp) => {
    const set = new Set(comp);
    const start = [...comp].sort()[0];
    const prev = new Map([[start, null]]);
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift();
      for (const w of graph.get(v) ?? []) {
        if (!set.has(w)) continue;
        if (w === start) {
          const path = [start];
          for (let x = v; x !== start; x = prev.get(x)) path.splice(1, 0, x);
          return [...path, start].concat(comp.length > 2 ? [`(${comp.length} files in the cycle)`] : []);
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return comp;
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = checkImports();
  const baselinePath = join(defaultRoot, 'scripts', 'import-graph-baseline.json');
  const strict = process.argv.includes('--strict');
  const baseline = !strict && existsSync(baselinePath) ? JSON.parse(readFileSync(baselinePath, 'utf8')).known : [];
  const known = new Set(baseline.map((e) => e.problem));
  const problems = found.filter((p) => !known.has(p));
  for (const e of baseline) {
    if (!found.includes(e.problem)) problems.push(`fixed, remove from scripts/import-graph-baseline.json: ${e.problem}`);
    else console.warn(`known (owner ${e.owner}): ${e.problem}`);
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(problems, null, 2));
  else for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`check-imports: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log('check-imports: import graph ok');
}
