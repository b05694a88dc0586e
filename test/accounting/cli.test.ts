import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'accountant', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('tsdp accountant', { timeout: 60_000 }, () => {
  it('prints {"method","epsilon","delta"} for DP-SGD with --json', () => {
    const r = run(
      '--mechanism',
      'subsampled-gaussian',
      '--noise-multiplier',
      '1.1',
      '--sampling-rate',
      '0.01',
      '--steps',
      '1000',
      '--delta',
      '1e-5',
      '--method',
      'rdp',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j).sort()).toEqual(['delta', 'epsilon', 'method']);
    expect(j.method).toBe('rdp');
    expect(j.delta).toBe(1e-5);
    expect(j.epsilon).toBeGreaterThan(0.5);
    expect(j.epsilon).toBeLessThan(3);
  });

  it('prices an event given as a JSON file, delta for an epsilon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-acc-'));
    const file = join(dir, 'event.json');
    writeFileSync(file, JSON.stringify({ type: 'selfComposed', count: 10, event: { type: 'laplace', noiseMultiplier: 10 } }));
    const r = run('--event', file, '--epsilon', '1', '--method', 'zcdp', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ method: 'zcdp', epsilon: 1, delta: 0 });
  });

  it('calibrate prints {"noiseMultiplier"}', () => {
    const r = run(
      'calibrate',
      '--target-epsilon',
      '2',
      '--delta',
      '1e-5',
      '--sampling-rate',
      '0.01',
      '--steps',
      '100',
      '--method',
      'rdp',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['noiseMultiplier']);
    expect(j.noiseMultiplier).toBeGreaterThan(0.3);
    expect(j.noiseMultiplier).toBeLessThan(2);
  });

  it('exits with the DpError code on bad options', () => {
    expect(run('--mechanism', 'gaussian', '--noise-multiplier', 'x', '--delta', '1e-5').code).toBe(2);
    expect(run('--event', '{"type":"zcdp","rho":1}', '--delta', '1e-5', '--method', 'pld').code).toBe(3);
  });
});
