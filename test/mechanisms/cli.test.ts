import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runMechanism } from '../../src/cli/commands/mechanism.js';

// Each spawn costs about a second (more under load): three end-to-end runs, the rest in-process.
function tsdp(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'mechanism', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tsdp mechanism (spawned)', () => {
  it('prints one JSON object with the noisy value, the scale and the (ε, δ) guarantee for laplace', () => {
    const r = tsdp('laplace', '--value', '10', '--sensitivity', '1', '--epsilon', '0.5', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['mechanism', 'value', 'scale', 'guarantee']);
    expect(out.mechanism).toBe('laplace');
    expect(typeof out.value).toBe('number');
    expect(out.scale).toBeGreaterThanOrEqual(2);
    expect(out.guarantee.epsilon).toBeLessThanOrEqual(0.5);
    expect(out.guarantee.delta).toBe(0);
  });

  it('prints a short human line without --json', () => {
    const r = tsdp('discrete-gaussian', '--value', '-3', '--sensitivity', '1', '--scale', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^discrete-gaussian: -?\d+ \(scale 2, ρ=0\.125 \(zCDP\)\)\n$/);
  });

  it('exits non-zero with the DpError code and message on bad options', () => {
    const r = tsdp('laplace', '--value', '1', '--sensitivity', '1', '--epsilon', 'NaN');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/INVALID_PARAMETER/);
    expect(r.stderr).toMatch(/epsilon/);
  });
});

describe('tsdp mechanism (in-process)', () => {
  it('states ρ for gaussian with --scale and (ε, δ) by the analytic Gaussian with --epsilon --delta', () => {
    const z = runMechanism('gaussian', { value: '3', sensitivity: '1', scale: '2' });
    expect(z.guarantee).toEqual({ rho: expect.closeTo(0.125, 9) });
    const a = runMechanism('gaussian', { value: '3', sensitivity: '1', epsilon: '1', delta: '1e-5' });
    expect(a.scale).toBeCloseTo(3.7306, 3);
    expect(a.guarantee).toEqual({ epsilon: expect.any(Number), delta: 1e-5 });
    expect('epsilon' in a.guarantee && a.guarantee.epsilon <= 1).toBe(true);
  });

  it('adds integer noise for discrete-laplace and reports ρ or (ε, δ) for discrete-gaussian', () => {
    const l = runMechanism('discrete-laplace', { value: '42', sensitivity: '1', epsilon: '1' });
    expect(Number.isInteger(l.value)).toBe(true);
    expect(l.guarantee).toEqual({ epsilon: 1, delta: 0 });
    expect(runMechanism('discrete-gaussian', { value: '42', sensitivity: '1', scale: '10' }).guarantee).toEqual({ rho: 0.005 });
    const g = runMechanism('discrete-gaussian', { value: '42', sensitivity: '1', epsilon: '1', delta: '1e-6' });
    expect('epsilon' in g.guarantee && g.guarantee.epsilon <= 1 && g.guarantee.delta === 1e-6).toBe(true);
  });

  it('refuses bad combinations with INVALID_PARAMETER', () => {
    const bad: Array<[string, Record<string, string>]> = [
      ['laplace', { value: '1', sensitivity: '1', epsilon: '1', scale: '1' }],
      ['laplace', { value: '1', sensitivity: '1' }],
      ['laplace', { value: '1', sensitivity: '1', epsilon: '1', delta: '1e-6' }],
      ['laplace', { value: 'x', sensitivity: '1', epsilon: '1' }],
      ['laplace', { value: '1', sensitivity: '0', epsilon: '1' }],
      ['laplace', { value: '1', sensitivity: '1', epsilon: 'Infinity' }],
      ['gaussian', { value: '1', sensitivity: '1', epsilon: '1' }],
      ['gaussian', { value: '1', sensitivity: '1', epsilon: '1', delta: '1' }],
      ['discrete-laplace', { value: '1.5', sensitivity: '1', epsilon: '1' }],
      ['discrete-laplace', { value: '1', sensitivity: '1', scale: '-2' }],
      ['discrete-gaussian', { value: '1', sensitivity: '1', epsilon: '1' }],
      ['median', { value: '1', sensitivity: '1', epsilon: '1' }],
    ];
    for (const [kind, flags] of bad) expect(() => runMechanism(kind, flags)).toThrow(/INVALID_PARAMETER/);
  });
});
