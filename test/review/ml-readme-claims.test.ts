/**
 * Outside check of issue 11 ("Docs that are true"), reviewml, stop 19. Not a privacy matter.
 *
 * The README's accounting block says
 *   `const filter = ZcdpFilter.fromEpsilonDelta(1, 1e-6); // ρ ≈ 0.0175 from (ε, δ) = (1, 10⁻⁶)`.
 * 0.0175 is the classic conversion ε = ρ + 2√(ρ ln 1/δ). `fromEpsilonDelta` uses the CKS conversion (its own doc
 * says so) and gives ρ = 0.024356. The README's figure is 28% below it. test/docs/code-blocks.test.ts checks only comments
 * that START with a number (`// 1.97798 …`) or promise a throw, so it does not see `// ρ ≈ …`. The same gap covers
 * `// { kind: 'zcdp', rho: 0.125… }` and the other claims written after a word or a brace.
 *
 * What would close it: the lead (README) corrects the comment to ρ ≈ 0.0244. The docs test then checks every number
 * a claim comment states (after `≈`, `=`, or a key), not only a leading one.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZcdpFilter } from '../../src/accounting/zcdp-filter.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe('reviewml (issue 11, docs that are true): the README ZcdpFilter ρ claim', () => {
  it('control: the README still shows the example, and the filter admits ρ = 0.005 then refuses ρ = 0.5 as written', () => {
    expect(readme).toMatch(/ZcdpFilter\.fromEpsilonDelta\(1, 1e-6\);.*\nNumber\(filter\.rhoBudget\); +\/\/ ([0-9.]+)/);
    const f = ZcdpFilter.fromEpsilonDelta(1, 1e-6);
    expect(f.canCharge(0.005)).toBe(true);
    expect(f.canCharge(0.5)).toBe(false);
  });

  it('MET since stop 19 (lead, README): the ρ the README states is the ρ fromEpsilonDelta gives (0.0175 vs 0.024356)', () => {
    const claimed = Number(/ZcdpFilter\.fromEpsilonDelta\(1, 1e-6\);.*\nNumber\(filter\.rhoBudget\); +\/\/ ([0-9.]+)/.exec(readme)?.[1]);
    const actual = Number(ZcdpFilter.fromEpsilonDelta(1, 1e-6).rhoBudget);
    expect(Math.abs(actual - claimed) / actual).toBeLessThan(0.01);
  });
});
