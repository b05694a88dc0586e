import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AUDITABLE_MECHANISMS, auditShippedMechanism } from '../../src/cli/commands/audit.js';

describe('tsdp audit mechanism', () => {
  it('passes every shipped mechanism calibrated to the claim (false-failure probability ≤ 1e-6 each)', () => {
    for (const name of AUDITABLE_MECHANISMS) {
      const r = auditShippedMechanism(name, { epsilon: 1, samples: 10_000, seed: 1 });
      expect(r.violated, name).toBe(false);
      expect(r.samples).toBe(10_000);
      expect(r.claimed.epsilon).toBe(1);
    }
  });

  it('uses the given δ for the Gaussian mechanisms and audits pure mechanisms at a given δ (false-failure probability ≤ 1e-6)', () => {
    expect(auditShippedMechanism('gaussian', { epsilon: 1, delta: 0.01, samples: 5_000, seed: 2 }).claimed.delta).toBe(0.01);
    const pureAtDelta = auditShippedMechanism('laplace', { epsilon: 1, delta: 0.01, samples: 5_000, seed: 2 });
    expect(pureAtDelta.claimed.delta).toBe(0.01);
    expect(pureAtDelta.violated).toBe(false);
    expect(() => auditShippedMechanism('nope', { epsilon: 1 })).toThrow(/unknown mechanism/);
  });

  it('prints the documented JSON from the command line (false-failure probability ≤ 1e-6)', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'audit',
        'mechanism',
        'randomized-response',
        '--epsilon',
        '1',
        '--samples',
        '5000',
        '--seed',
        '3',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ claimed: { epsilon: 1, delta: 0 }, confidence: 1 - 1e-6, samples: 5000, violated: false });
    expect(typeof out.lowerBound).toBe('number');
  });

  it('exits 2 on a bad ε', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'mechanism', 'laplace', '--epsilon', 'abc'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/INVALID_PARAMETER/);
  });
});
