/** Shared schemas for the SQL tests. */
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';

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
