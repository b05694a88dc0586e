/** docs/cli.md's exit-code table is the code table (`DP_ERRORS`): every code, with its exit status. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DP_ERRORS } from '../../src/core/errors.js';
import { ROOT } from './run-cli.js';

describe('docs/cli.md', () => {
  it('lists every error code with its exit status', () => {
    const docs = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
    const documented = new Map<string, number>();
    for (const m of docs.matchAll(/^\| (\d+) \| (.+) \|$/gm)) {
      for (const code of (m[2] as string).matchAll(/`([A-Z_]+)`/g)) documented.set(code[1] as string, Number(m[1]));
    }
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(Object.entries(DP_ERRORS).map(([c, v]) => [c, v.exit])));
  });
});
