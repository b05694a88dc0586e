/** Shared schemas and an in-memory ledger for the SQL tests. */
import { DpError } from '../../src/core/errors.js';
import type { ExactLoss } from '../../src/core/exact-loss.js';
import type { BudgetLedger, LedgerEntry, LedgerStatus } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';

/** An in-memory ledger that records charges and never refuses (coverage loops run hundreds of queries). */
export class MemoryLedger implements BudgetLedger {
  readonly charges: ExactLoss[] = [];
  async charge(_scope: unknown, cost: ExactLoss): Promise<LedgerStatus> {
    this.charges.push(cost);
    return {
      dataset: {
        total: cost,
        spent: cost,
        recorded: cost,
        guarantee: cost,
        left: cost,
        remaining: { epsilon: Rational.ZERO, delta: Rational.ZERO },
      },
    };
  }
  async status(): Promise<LedgerStatus> {
    throw new DpError('INTERNAL', 'not used');
  }
  async entries(): Promise<readonly LedgerEntry[]> {
    return [];
  }
  async close(): Promise<void> {}
}

/** A unit-level schema: visits of people, a public region table, a second private table keyed by person. */
export function visitsSchema(): SqlSchema {
  return parseSqlSchema({
    dataset: 'visits',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      visits: {
        privacyUnit: 'person_id',
        maxPartitions: 2,
        maxContributionsPerPartition: 3,
        columns: {
          person_id: { type: 'integer' },
          region: { type: 'string', categories: ['north', 'south', 'east'] },
          city: { type: 'string' },
          amount: { type: 'float', lower: 0, upper: 100 },
          minutes: { type: 'integer', lower: 0, upper: 60 },
          day: { type: 'integer', lower: 1, upper: 31 },
        },
      },
      people: {
        privacyUnit: 'person_id',
        maxPartitions: 2,
        maxContributionsPerPartition: 3,
        columns: { person_id: { type: 'integer' }, age: { type: 'integer', lower: 0, upper: 100 } },
      },
      regions: {
        public: true,
        columns: { code: { type: 'string', unique: true }, label: { type: 'string', categories: ['North', 'South', 'East'] } },
      },
    },
  });
}

/** A row-level schema (each row its own unit). */
export function rowSchema(): SqlSchema {
  return parseSqlSchema({
    dataset: 'rows',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      sales: {
        columns: {
          shop: { type: 'string', categories: ['a', 'b'] },
          item: { type: 'string' },
          price: { type: 'float', lower: 0, upper: 10 },
          qty: { type: 'integer', lower: 0, upper: 5 },
        },
      },
      shops: { public: true, columns: { shop: { type: 'string', unique: true }, owner: { type: 'string' }, kind: { type: 'string' } } },
    },
  });
}
