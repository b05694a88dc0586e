/**
 * The root SECURITY.md exists, ships in the package, and every reference to it
 * in the sources (`SECURITY.md §N`, in comments and TSDoc) names a section it has.
 * The class: documentation links that point at nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const security = readFileSync(join(root, 'SECURITY.md'), 'utf8');
const sections = new Set([...security.matchAll(/^### §(\d+)\b/gm)].map((m) => Number(m[1])));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|md)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('SECURITY.md', () => {
  it('has the reporting policy, the threat model, what is not defended, and the timing section', () => {
    expect(security).toMatch(/^## Reporting a vulnerability/m);
    expect(security).toMatch(/^## Who is trusted with what/m);
    expect(security).toMatch(/^## Not defended/m);
    expect(security).toMatch(/^### §11 Side channels, timing included/m);
    expect([...sections].sort((a, b) => a - b)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  });

  it('every "SECURITY.md §N" reference in src/ names a section of the root SECURITY.md', () => {
    const references: string[] = [];
    for (const file of sourceFiles(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/SECURITY\.md((?:[ ,;]*§\d+)*)/g)) {
        const numbers = [...(m[1] ?? '').matchAll(/§(\d+)/g)].map((x) => Number(x[1]));
        for (const n of numbers) references.push(`${file.slice(root.length + 1)} §${n}`);
        for (const n of numbers) expect(sections.has(n), `${file} cites SECURITY.md §${n}`).toBe(true);
      }
    }
    expect(references.length).toBeGreaterThanOrEqual(9);
  });

  it('ships in the package (package.json "files")', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(manifest.files).toContain('SECURITY.md');
  });
});
