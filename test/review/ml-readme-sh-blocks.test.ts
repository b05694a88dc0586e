/**
 * Outside check of issue 11 ("Every code block in the README … is compiled (and, where it runs offline, run) by the
 * tests"; "Done means: … every README code block is checked by a test"), reviewml, stop 19.
 *
 * test/docs/code-blocks.test.ts checks the ```ts blocks only. The README's ```sh blocks (the mechanism, the two
 * accountant commands, `--explain`, and the Gaussian decade query) were run by no test. I ran them by hand on a clean
 * clone, and they worked. This test runs every `npx tsdp …` command of the README's sh blocks that works offline. It
 * skips a command that names a server (`--db`) or an elided argument (`…`). Each runs the checkout's CLI
 * (`src/cli/main.ts`, as `npm run -s tsdp --` would, without npx) under its own TSDP_HOME. The command must exit 0.
 * When the block's next line is a `# {…}` comment, the JSON it prints must have the same shape: the same keys and
 * the same literal values, with `…` matching anything.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsdp } from '../cli/run-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const home = mkdtempSync(join(tmpdir(), 'reviewml-readme-sh-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface Command {
  readonly args: string[];
  readonly line: string;
  readonly shape?: string;
}

/** Splits a shell line into words: plain words and double-quoted strings (all the README uses). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** The `npx tsdp …` commands of the README's sh blocks (backslash continuations joined), with a following `# {…}`. */
function readmeCommands(): Command[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const commands: Command[] = [];
  for (const block of text.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)) {
    const lines = (block[1] as string).replace(/\\\n\s*/g, ' ').split('\n');
    lines.forEach((line, i) => {
      const m = /^npx tsdp (.*)$/.exec(line.trim());
      if (!m) return;
      const next = lines[i + 1]?.trim() ?? '';
      commands.push({ line, args: words(m[1] as string), ...(next.startsWith('# {') ? { shape: next.slice(2) } : {}) });
    });
  }
  return commands;
}

/** Does `value` have the shape of `pattern` (a JSON text where … stands for any value)? */
function sameShape(value: unknown, pattern: unknown): boolean {
  if (pattern === '…') return true;
  if (pattern === null || typeof pattern !== 'object') return value === pattern;
  if (value === null || typeof value !== 'object') return false;
  const pk = Object.keys(pattern as object).sort();
  const vk = Object.keys(value as object).sort();
  return (
    JSON.stringify(pk) === JSON.stringify(vk) &&
    pk.every((k) => sameShape((value as Record<string, unknown>)[k], (pattern as Record<string, unknown>)[k]))
  );
}

const commands = readmeCommands();
const offline = commands.filter((c) => !c.line.includes('…') && !c.args.includes('--db'));

describe('reviewml (issue 11, docs that are true): the README sh blocks run as written', () => {
  it('control: the README has the sh commands this test runs (at least the mechanism, the accountants and two sql)', () => {
    expect(offline.length).toBeGreaterThanOrEqual(5);
    expect(offline.some((c) => c.shape !== undefined)).toBe(true);
  });

  it.each(offline.map((c) => [c.line.slice(0, 90), c] as const))(
    '%s',
    async (_, c) => {
      const r = await tsdp(c.args, home);
      expect(r.code, r.stderr).toBe(0);
      if (c.shape !== undefined) {
        const pattern = JSON.parse(c.shape.replace(/…/g, '"…"')) as unknown;
        expect(sameShape(JSON.parse(r.stdout) as unknown, pattern), r.stdout).toBe(true);
      }
    },
    180_000,
  );
});
