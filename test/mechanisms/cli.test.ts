import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Each spawn costs about a second: keep these few.
function tsdp(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'mechanism', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tsdp mechanism', () => {
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

  it('states ρ for gaussian with --scale and (ε, δ) by the analytic Gaussian with --epsilon --delta', () => {
    const z = JSON.parse(tsdp('gaussian', '--value', '3', '--sensitivity', '1', '--scale', '2', '--json').stdout);
    expect(Object.keys(z.guarantee)).toEqual(['rho']);
    expect(z.guarantee.rho).toBeCloseTo(0.125, 9);
    const a = JSON.parse(tsdp('gaussian', '--value', '3', '--sensitivity', '1', '--epsilon', '1', '--delta', '1e-5', '--json').stdout);
    expect(a.scale).toBeCloseTo(3.7306, 3);
    expect(a.guarantee.epsilon).toBeLessThanOrEqual(1);
    expect(a.guarantee.delta).toBe(1e-5);
  });

  it('adds integer noise for discrete-laplace and reports ρ for discrete-gaussian', () => {
    const l = JSON.parse(tsdp('discrete-laplace', '--value', '42', '--sensitivity', '1', '--epsilon', '1', '--json').stdout);
    expect(Number.isInteger(l.value)).toBe(true);
    expect(l.guarantee).toEqual({ epsilon: 1, delta: 0 });
    const g = JSON.parse(tsdp('discrete-gaussian', '--value', '42', '--sensitivity', '1', '--scale', '10', '--json').stdout);
    expect(g.guarantee).toEqual({ rho: 0.005 });
  });

  it('exits non-zero with the DpError code and message on bad options', () => {
    const r = tsdp('laplace', '--value', '1', '--sensitivity', '1', '--epsilon', 'NaN');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/INVALID_PARAMETER/);
    expect(r.stderr).toMatch(/epsilon/);
    const both = tsdp('discrete-laplace', '--value', '1.5', '--sensitivity', '1', '--epsilon', '1');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/integer/);
  });
});
