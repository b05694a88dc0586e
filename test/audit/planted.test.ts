import { describe, expect, it } from 'vitest';
import { auditPrivacy } from '../../src/audit/index.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { PLANTED_BUGS } from './planted/catalogue.js';

describe('the auditor catches every planted bug', () => {
  for (const [i, bug] of PLANTED_BUGS.entries()) {
    it(`flags ${bug.name} (${bug.bug}) with a certified ε above the claim (seeded)`, () => {
      const result = auditPrivacy(bug.target, { ...bug.options, claimed: bug.claimed, rng: new SeededRandomSource(1000 + i) });
      expect(result.violated, JSON.stringify({ lb: result.lowerBound, w: result.witness?.description })).toBe(true);
      expect(result.lowerBound).toBeGreaterThan(bug.claimed.epsilon);
      expect(result.witness).not.toBeNull();
    });
  }
});
