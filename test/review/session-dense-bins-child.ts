/**
 * Child process of session-dense-bins.test.ts: one Session query `groupBy('g')` (partition selection) with a MEDIAN
 * of `bins` bins over `n` rows, each in its own group, under the heap limit the parent sets. Prints the outcome
 * ('answered' or the error code) and whether the session's budget was charged; a V8 heap exhaustion ends the process
 * instead (no line printed).
 */
import { PrivacyBudget } from '../../src/core/budget.js';
import { Session } from '../../src/session/session.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const n = Number(process.argv[2]);
const bins = Number(process.argv[3]);
const rows = Array.from({ length: n }, (_, i) => ({ id: i, g: `k${i}`, x: (i * 0.6180339887498949) % 1 }));
const session = Session.fromRecords(rows, {
  columns: ['id', 'g', 'x'],
  privacyUnit: 'id',
  budget: PrivacyBudget.approximate(10, 1e-3),
  rng: new SeededRandomSource(5),
});
let outcome: string;
try {
  session
    .query()
    .groupBy('g')
    .median('x', { bounds: [0, 1], bins })
    .release({ epsilon: 1, delta: 1e-6 });
  outcome = 'answered';
} catch (e) {
  outcome = String((e as { code?: string }).code);
}
process.stdout.write(`${outcome} charged=${session.budget.spentExact.epsilon.isZero() ? 0 : 1}\n`);
