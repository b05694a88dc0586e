/**
 * Review finding synth-session-unit (class: "a charge in another privacy unit"):
 * `Session.charge(loss, unit)` takes the privacy unit the loss is stated for and
 * refuses, having charged nothing, unless it is the session's own unit. The
 * Session's unit is core's `PrivacyUnit`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { isDpError } from '../../src/core/errors.js';
import { zcdp } from '../../src/core/loss.js';
import { privacyUnit } from '../../src/core/privacy-unit.js';
import { Session } from '../../src/session/index.js';

const rows = [
  { pid: 1, hid: 7, v: 3 },
  { pid: 1, hid: 7, v: 4 },
];
const columns = ['pid', 'hid', 'v'];

describe('Session.charge is made in the session’s own privacy unit', () => {
  it('regression: a per-record loss charged to a per-person session is refused (DOMAIN_MISMATCH), nothing spent', () => {
    const s = Session.fromRecords(rows, { columns, privacyUnit: 'pid', budget: PrivacyBudget.zcdp(1) });
    let code: string | undefined;
    try {
      s.charge(zcdp(0.1), privacyUnit(null));
    } catch (e) {
      code = isDpError(e) ? e.code : 'other';
    }
    expect(code).toBe('DOMAIN_MISMATCH');
    expect(s.budget.spentExact.rho.isZero()).toBe(true);
    s.charge(zcdp(0.1), privacyUnit('pid'));
    expect(s.budget.spent).toEqual({ kind: 'zcdp', rho: 0.1 });
  });

  it('generative: a charge goes through iff the stated unit column is the session’s; a refusal spends nothing', () => {
    const unitColumn = fc.constantFrom<string | null>(null, 'pid', 'hid');
    fc.assert(
      fc.property(unitColumn, unitColumn, fc.double({ min: 1e-6, max: 0.5, noNaN: true }), (mine, stated, rho) => {
        const s = Session.fromRecords(rows, {
          columns,
          ...(mine === null ? {} : { privacyUnit: mine }),
          budget: PrivacyBudget.zcdp(1),
        });
        const before = s.budget.spentExact.rho;
        let refused = false;
        try {
          s.charge(zcdp(rho), privacyUnit(stated));
        } catch (e) {
          refused = isDpError(e) && e.code === 'DOMAIN_MISMATCH';
        }
        expect(refused).toBe(mine !== stated);
        expect(s.budget.spentExact.rho.equals(before)).toBe(refused);
      }),
      { seed: 2303, numRuns: 100 },
    );
  });

  it('a Session takes core’s PrivacyUnit: its column and bounds become the unit and the query defaults', () => {
    const s = Session.fromRecords(rows, {
      columns,
      privacyUnit: privacyUnit('pid', { maxContributionsPerPartition: 2 }),
      budget: PrivacyBudget.pure(1),
    });
    expect(s.unit).toEqual({ column: 'pid', maxPartitions: 1, maxContributionsPerPartition: 2 });
    expect(s.privacyUnit).toBe('pid');
    expect(s.query().count().spec.maxContributionsPerPartition).toBe(2);
    expect(() => Session.fromRecords(rows, { columns, privacyUnit: privacyUnit('nope'), budget: PrivacyBudget.pure(1) })).toThrow(
      /INVALID_PARAMETER/,
    );
  });
});
