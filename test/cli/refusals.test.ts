/**
 * The class "a refused query": whatever mix of bad options and unsupported SQL an analyst sends, the
 * CLI refuses with one error (its code printed once; JSON with --json) and the code table's exit
 * status, charges nothing, and prints no value from the data. Generative, in-process (`runTsdp`).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runTsdp } from '../../src/cli/run.js';
import { DP_ERRORS } from '../../src/core/errors.js';

const DATA_VALUES = ['Self-emp-not-inc', 'Married-civ-spouse', '183710', 'Farming-fishing', 'Handlers-cleaners'];

async function capture(argv: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  const previous = process.env.TSDP_HOME;
  process.env.TSDP_HOME = home;
  process.stdout.write = ((s: string | Uint8Array) => out.push(String(s)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => err.push(String(s)) > 0) as typeof process.stderr.write;
  try {
    const code = await runTsdp(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    if (previous === undefined) delete process.env.TSDP_HOME;
    else process.env.TSDP_HOME = previous;
  }
}

const unsupported = fc.oneof(
  fc.constantFrom(
    'SELECT age FROM adult',
    'SELECT * FROM adult',
    "SELECT education FROM adult WHERE education = 'Bachelors'",
    'SELECT COUNT(*) FROM nope',
    'SELECT COUNT(*) FROM adult; DROP TABLE adult',
    'DELETE FROM adult',
    'SELECT COUNT(*) FROM adult a JOIN adult b ON a.age = b.age',
    'SELECT MAX(fnlwgt) FROM adult',
    'SELECT educaton, COUNT(*) FROM adult GROUP BY educaton',
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => `SELECT ${s}`),
);
const option = fc.oneof(
  fc.constantFrom<string[]>(
    ['--epsilon', '1'],
    ['--epsilon', '-1'],
    ['--epsilon', 'abc'],
    ['--epsilon', '0x10'],
    ['--epsilon', '1e999'],
    ['--delta', '-1'],
    ['--confidence', '2'],
    ['--format', 'xml'],
    ['--format', 'csv'],
    ['--noise', 'cauchy'],
    ['--ledger', 'sqlite'],
    ['--analyst', 'mallory'],
    ['--json'],
  ),
);

describe('refused queries (generative)', () => {
  it('refuse once with a table exit code, charge nothing and print no data value', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-refusals-'));
    await fc.assert(
      fc.asyncProperty(unsupported, fc.array(option, { maxLength: 3 }), async (query, options) => {
        const argv = [
          'sql',
          '--data',
          'examples/adult.csv',
          '--schema',
          'examples/adult.schema.json',
          '--epsilon',
          '1',
          ...options.flat(),
          query,
        ];
        const r = await capture(argv, home);
        expect(r.code).not.toBe(0);
        expect(Object.values(DP_ERRORS).map((e) => e.exit)).toContain(r.code);
        for (const v of DATA_VALUES) expect(r.stdout + r.stderr).not.toContain(v);
        if (argv.includes('--json')) {
          const e = JSON.parse(r.stdout) as { error: { code: keyof typeof DP_ERRORS; message: string } };
          expect(DP_ERRORS[e.error.code].exit).toBe(r.code);
          expect(e.error.message.startsWith(e.error.code)).toBe(false);
        } else {
          const m = /^tsdp: ([A-Z_]+): /.exec(r.stderr);
          expect(m, r.stderr).not.toBeNull();
          const code = (m as RegExpExecArray)[1] as keyof typeof DP_ERRORS;
          expect(DP_ERRORS[code].exit).toBe(r.code);
          expect(r.stderr.split(code)).toHaveLength(2);
        }
        const journal = join(home, 'ledger', 'adult.jsonl');
        expect(existsSync(journal) ? readFileSync(journal, 'utf8') : '').toBe('');
      }),
      { numRuns: 25, seed: 41 },
    );
  });
});
