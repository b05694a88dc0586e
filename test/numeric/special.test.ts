/** The one special-functions module (src/numeric/special.ts) against mpmath (fixture names its source). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { erfc, logGamma, logNormalCdf, normalCdf, normalQuantile, regularizedBeta } from '../../src/numeric/special.js';

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/special-mpmath.json'), 'utf8')) as Record<string, number[][]> & {
  source: string;
};

const close = (got: number, want: number, rel: number) => {
  if (want === 0) expect(Math.abs(got)).toBeLessThan(1e-14);
  else if (Math.abs(want) < 2 ** -1022)
    expect(Math.abs(got)).toBeLessThan(2 ** -1022); // subnormal results may flush to 0
  else expect(Math.abs(got - want) / Math.abs(want)).toBeLessThanOrEqual(rel);
};

describe(`special functions agree with ${fixture.source}`, () => {
  it('erfc, Φ and log Φ to 1e-13 relative (tails included; subnormal results may flush to 0)', () => {
    for (const [x, v] of fixture.erfc as [number, number][]) close(erfc(x), v, 1e-13);
    for (const [x, v] of fixture.normalCdf as [number, number][]) close(normalCdf(x), v, 1e-13);
    for (const [x, v] of fixture.logNormalCdf as [number, number][]) close(logNormalCdf(x), v, 1e-13);
  });
  it('Φ⁻¹ to 1e-13 relative from 1e-300 to 1 − 1e-10', () => {
    for (const [p, v] of fixture.normalQuantile as [number, number][]) close(normalQuantile(p), v, p > 0.9 ? 1e-6 : 1e-13);
  });
  it('log Γ and the regularized incomplete beta', () => {
    for (const [x, v] of fixture.logGamma as [number, number][]) close(logGamma(x), v, 1e-12);
    for (const [x, a, b, v] of fixture.regularizedBeta as [number, number, number, number][]) close(regularizedBeta(x, a, b), v, 1e-10);
  });
});
