/** The `tsdp sql` and `tsdp demo` commands, spawned as a user would run them (few tests: each spawn costs ~1–2 s). */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function tsdp(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, TSDP_HOME: home }, timeout: 60_000 },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The spend records of the data set's journal (the ledger also pins the cap in a first, non-spend record). */
function spends(home: string): string[] {
  return readFileSync(join(home, 'ledger', 'adult.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter((line) => !('pin' in (JSON.parse(line) as object)));
}

const QUERY = 'SELECT education, COUNT(*) AS n, AVG(age) AS mean_age FROM adult GROUP BY education';
const BASE = ['sql', '--data', 'examples/adult.csv', '--schema', 'examples/adult.schema.json'];

describe('tsdp sql', () => {
  it('prints JSON with columns, rows, intervals, spent and remaining, and records the spend under TSDP_HOME', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-cli-'));
    const r = await tsdp([...BASE, '--epsilon', '1', '--json', QUERY], home);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      columns: string[];
      rows: unknown[][];
      intervals: Record<string, [number, number][]>;
      spent: { epsilon: number; delta: number };
      remaining: { epsilon: number; delta: number };
    };
    expect(out.columns).toEqual(['education', 'n', 'mean_age']);
    expect(out.rows).toHaveLength(16);
    expect(out.intervals.n).toHaveLength(16);
    expect(out.intervals.mean_age?.[0]?.[0]).toBeLessThanOrEqual(out.intervals.mean_age?.[0]?.[1] as number);
    expect(out.spent).toEqual({ epsilon: 1, delta: 0 });
    expect(out.remaining).toEqual({ epsilon: 9, delta: 1e-6 });
    expect(spends(home)).toHaveLength(1);
  });

  it('explains without spending, and refuses unsupported SQL with exit code 3 and no charge', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-cli-'));
    const ex = await tsdp([...BASE, '--epsilon', '1', '--explain', QUERY], home);
    expect(ex.stdout).toMatch(/rewritten SQL:/);
    expect(ex.stdout).toMatch(/n: ε=1\/2/);
    expect(ex.stdout).toMatch(/nothing was run or spent/);
    const bad = await tsdp([...BASE, '--epsilon', '1', 'SELECT age FROM adult'], home);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^tsdp: UNSUPPORTED_QUERY: the raw column "age" in the output at 1:8/);
    expect(bad.stderr.split('UNSUPPORTED_QUERY')).toHaveLength(2);
    const table = await tsdp([...BASE, '--epsilon', '1/2', QUERY], home);
    expect(table.stdout).toMatch(/n \(95% CI\)/);
    expect(table.stdout).toMatch(/guarantee spent: ε=0.5 \(pure DP\); budget left: ε=9.5, δ=0.000001\n/);
    expect(table.stdout).toMatch(/intervals: 95% confidence for the DP noise only;/);
    expect(spends(home)).toHaveLength(1);
  });

  it('--report-bounding is refused before any charge where bounding removes nothing (row-level) or the share is out of range', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-cli-'));
    const row = await tsdp([...BASE, '--epsilon', '1', '--report-bounding', 'SELECT COUNT(*) AS n FROM adult'], home);
    expect(row.code).not.toBe(0);
    expect(row.stderr).toMatch(/^tsdp: INVALID_PARAMETER: reportBounding needs a privacy unit/);
    const share = await tsdp([...BASE, '--epsilon', '1', '--report-bounding-share', '0.7', 'SELECT COUNT(*) AS n FROM adult'], home);
    expect(share.stderr).toMatch(/^tsdp: INVALID_PARAMETER: reportBounding.share must be a number in \(0, 0.5\]/);
    expect(existsSync(join(home, 'ledger', 'adult.jsonl'))).toBe(false);
  });

  it('spends ρ with --rho (Gaussian noise, charged as ρ: the ledger converts its total once), gives quantiles intervals', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-cli-'));
    const q = 'SELECT sex, COUNT(*) AS n, MEDIAN(age) AS med FROM adult GROUP BY sex';
    const r = await tsdp([...BASE, '--rho', '0.1', '--delta', '1e-7', '--json', q], home);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { intervals: Record<string, ([number, number] | null)[]>; spent: Record<string, number> };
    expect(out.spent.rho).toBe(0.1);
    expect(out.spent.epsilon).toBe(0);
    expect(out.intervals.med?.every((iv) => iv !== null && iv[0] <= iv[1])).toBe(true);
    expect(readFileSync(join(home, 'ledger', 'adult.jsonl'), 'utf8')).toMatch(/"rho":"1\/10"/);
  });

  it('runs the demo on a temporary ledger', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-cli-'));
    const r = await tsdp(['demo'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/temporary: your own budget under TSDP_HOME is not touched/);
    expect(r.stdout).toMatch(/guarantee spent: ε=1 \(pure DP\); budget left: ε=9/);
    expect(r.stdout).toMatch(/refused \(nothing spent\): UNSUPPORTED_QUERY/);
  });
});
