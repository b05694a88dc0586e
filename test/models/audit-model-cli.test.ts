/**
 * `tsdp audit model --model … --data … --json` run as a user runs it (a child
 * process): the JSON report carries the attacks' AUC, TPR at low FPR and the
 * ε lower bound for the named model; bad arguments are refused with a typed
 * error and a non-zero exit, before any model is trained.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeededRandomSource } from '../../src/testing/index.js';
import { tsdp } from '../cli/run-cli.js';

const home = mkdtempSync(join(tmpdir(), 'tsdp-audit-cli-'));
const csv = join(home, 'rows.csv');
{
  const rng = new SeededRandomSource(9);
  const lines = ['a,b,c,label'];
  for (let r = 0; r < 240; r++) {
    const v = [0, 1, 2].map(() => (rng.nextUint32() % 1000) / 1000);
    lines.push(`${v.join(',')},${(v[0] as number) + (v[1] as number) > 1 ? 1 : 0}`);
  }
  writeFileSync(csv, `${lines.join('\n')}\n`);
}

describe('tsdp audit model', () => {
  it('--json prints the audit of the named DP model: AUC, TPR at 0.1 % and 1 % FPR, the ε lower bound, consistent with its ε', async () => {
    const run = await tsdp(
      ['audit', 'model', '--model', 'gaussian-nb', '--data', csv, '--epsilon', '1', '--seed', '3', '--shadows', '0', '--json'],
      home,
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      model: string;
      epsilon: number;
      notForRelease: boolean;
      consistent?: boolean;
      loss: {
        auc: number;
        tprAt0_1: number;
        tprAt1: number;
        epsilonLowerBound: number;
        lowFpr: { fpr: number; tpr: number; tprInterval: [number, number]; fprUpper: number }[];
      };
    };
    expect(report.model).toBe('gaussian-nb');
    expect(report.epsilon).toBe(1);
    expect(report.notForRelease).toBe(true);
    expect(report.loss.auc).toBeGreaterThanOrEqual(0);
    expect(report.loss.auc).toBeLessThanOrEqual(1);
    expect(report.loss.tprAt0_1).toBeLessThanOrEqual(report.loss.tprAt1);
    expect(report.loss.epsilonLowerBound).toBeGreaterThanOrEqual(0);
    expect(report.loss.epsilonLowerBound).toBeLessThanOrEqual(1);
    expect(report.consistent).not.toBe(false);
    expect(report.loss.lowFpr.map((p) => p.fpr)).toEqual([0.001, 0.01]);
    for (const p of report.loss.lowFpr) {
      expect(p.tprInterval[0]).toBeLessThanOrEqual(p.tpr);
      expect(p.tprInterval[1]).toBeGreaterThanOrEqual(p.tpr);
      expect(p.fprUpper).toBeGreaterThanOrEqual(p.fpr * 0.5);
    }
  });

  it('without --json prints each TPR with its interval and the true-FPR bound of its threshold', async () => {
    const run = await tsdp(
      ['audit', 'model', '--model', 'gaussian-nb', '--data', csv, '--epsilon', '1', '--seed', '3', '--shadows', '0'],
      home,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^loss: AUC [0-9.]+, TPR [0-9.]+% \[[0-9.]+%, [0-9.]+%\] at 0\.10% FPR \(true FPR ≤ [0-9.]+%\), TPR .* at 1\.00% FPR/m,
    );
  });

  it('an unknown model, too few rows or a missing label column are refused (non-zero exit, a typed error, no report)', async () => {
    for (const args of [
      ['--model', 'svm', '--data', csv],
      ['--model', 'gaussian-nb', '--data', csv, '--rows', '10'],
      ['--model', 'gaussian-nb', '--data', csv, '--label', 'nope'],
    ]) {
      const run = await tsdp(['audit', 'model', ...args, '--json'], home);
      expect(run.code).not.toBe(0);
      expect(run.stdout).not.toContain('"auc"');
      // --json: the typed error is printed as JSON ({ error: { code } }).
      expect(`${run.stdout}${run.stderr}`).toContain('INVALID_PARAMETER');
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});
