/**
 * `tsdp budget` shows spend, what is left and history under the PINNED budgets, whatever budgets the schema names
 * (reviewml, issue 11: after `schema init --dp-bounds` pinned the draft's ε, `tsdp budget --schema` failed
 * DOMAIN_MISMATCH). On the file and the PostgreSQL ledger (the latter where TSDP_TEST_POSTGRES_URL is set):
 * `withPinnedBudgets` puts the pins in place of differing schema budgets (data set and analysts) with one warning
 * each, leaves a matching schema untouched, and `readBudget` then reads the balance without a refusal; a charge
 * under the schema's budget is still refused. CLI regression: test/review/ml-cli-budget-pinned.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBudget } from '../../src/cli/budget-view.js';
import { withPinnedBudgets } from '../../src/cli/commands/budget-pinned.js';
import { exactLoss } from '../../src/core/exact-loss.js';
import { pure } from '../../src/core/loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { BudgetLedger } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';

const pgUrl = process.env.TSDP_TEST_POSTGRES_URL;
let counter = 0;

function schemaWith(dataset: string, epsilon: number, alice: number): SqlSchema {
  return parseSqlSchema({
    dataset,
    budget: { epsilon, delta: 1e-6 },
    analysts: { alice: { epsilon: alice, delta: 1e-6 } },
    tables: { t: { columns: { x: { type: 'integer' } } } },
  });
}

for (const backend of ['file', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && !pgUrl)(`tsdp budget under pinned budgets (${backend} ledger)`, () => {
    const open = (): BudgetLedger =>
      backend === 'file'
        ? new FileLedger({ home: mkdtempSync(join(tmpdir(), 'tsdp-budget-pinned-')) })
        : new PostgresLedger(pgUrl as string);

    it('shows spend and history under the pins, warns once per differing budget, refuses nothing', async () => {
      const ledger = open();
      const dataset = `pinned_${process.pid}_${Date.now()}_${counter++}`;
      try {
        const first = schemaWith(dataset, 1, 0.5);
        await ledger.charge(
          { dataset, cap: first.budget, analyst: 'alice', analystBudget: first.analysts.get('alice') },
          exactLoss(pure(0.25)),
          'SELECT COUNT(*) FROM t',
        );
        // The owner later writes other budgets into the schema.
        const later = schemaWith(dataset, 3, 2);
        await expect(readBudget(ledger, dataset, later)).rejects.toMatchObject({ code: 'DOMAIN_MISMATCH' });
        const view = await withPinnedBudgets(ledger, dataset, later);
        expect(view.warnings).toHaveLength(2);
        expect(view.warnings[0]).toMatch(/schema's budget \(ε=3, δ=0\.000001\) is not the budget .* pinned .* \(ε=1, δ=0\.000001\)/);
        expect(view.warnings[1]).toMatch(/analyst alice \(ε=2, δ=0\.000001\) is not the pinned one \(ε=0\.5, δ=0\.000001\)/);
        expect(view.pinned?.epsilon.equals(Rational.ONE)).toBe(true);
        const budget = await readBudget(ledger, dataset, view.schema);
        expect(budget.spent.epsilon.toString()).toBe('1/4');
        expect(budget.remaining?.epsilon.toString()).toBe('3/4');
        expect(budget.analysts.find((a) => a.analyst === 'alice')?.remaining?.epsilon.toString()).toBe('1/4');
        expect(budget.history.map((e) => e.memo)).toEqual(['SELECT COUNT(*) FROM t']);
        // Queries under the schema's budget stay refused: showing the balance re-pins nothing.
        await expect(ledger.charge({ dataset, cap: later.budget }, exactLoss(pure(0.1)), 'q')).rejects.toMatchObject({
          code: 'DOMAIN_MISMATCH',
        });
        // A schema naming the pinned budgets is passed through unchanged, with no warning.
        const same = await withPinnedBudgets(ledger, dataset, first);
        expect(same.warnings).toEqual([]);
        expect(same.schema).toBe(first);
      } finally {
        await ledger.close();
      }
    });

    it('a data set with no spend has no pin: the schema is used as it is', async () => {
      const ledger = open();
      try {
        const schema = schemaWith(`fresh_${process.pid}_${Date.now()}_${counter++}`, 3, 2);
        const view = await withPinnedBudgets(ledger, schema.dataset, schema);
        expect(view).toEqual({ schema, pinned: undefined, warnings: [] });
      } finally {
        await ledger.close();
      }
    });
  });
}
