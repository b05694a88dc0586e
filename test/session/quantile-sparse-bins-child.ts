/**
 * Child process of quantile-sparse-bins.test.ts: one Session query (`groupBy('g')`, keys declared or selected) with a
 * MEDIAN of `bins` bins over `groups` groups of `perGroup` rows each, read from `source` (records, columns or a CSV
 * file through `csvSource`), under the heap limit the parent sets. Prints the outcome ('answered' or the error code),
 * whether the session's budget was charged, and the number of rows released; a V8 heap exhaustion ends the process
 * instead (no line printed).
 * Usage: child.ts <records|columns|csv> <groups> <bins> <perGroup> <declared 0|1>
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivacyBudget } from '../../src/core/budget.js';
import { Session, type SessionOptions } from '../../src/session/session.js';
import { csvSource } from '../../src/stats/csv-source.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const [source, groupsText, binsText, perGroupText, declaredText] = process.argv.slice(2);
const groups = Number(groupsText);
const bins = Number(binsText);
const perGroup = Number(perGroupText);
const n = groups * perGroup;
const id = Array.from({ length: n }, (_, i) => i);
const g = id.map((i) => `k${i % groups}`);
const x = id.map((i) => (i * 0.6180339887498949) % 1);
const options: SessionOptions = {
  privacyUnit: 'id',
  budget: PrivacyBudget.approximate(10, 1e-3),
  rng: new SeededRandomSource(7),
};
let dir: string | undefined;
let session: Session;
if (source === 'csv') {
  dir = mkdtempSync(join(tmpdir(), 'tsdp-sparse-bins-'));
  const path = join(dir, 'rows.csv');
  writeFileSync(path, `id,g,x\n${id.map((i) => `${i},${g[i]},${x[i]}`).join('\n')}\n`);
  session = Session.fromSource(csvSource(path), options);
} else if (source === 'columns') {
  session = Session.fromColumns({ id, g, x }, options);
} else {
  session = Session.fromRecords(
    id.map((i) => ({ id: i, g: g[i], x: x[i] })),
    { ...options, columns: ['id', 'g', 'x'] },
  );
}
const keys = declaredText === '1' ? Array.from({ length: groups }, (_, k) => `k${k}`) : undefined;
let outcome: string;
try {
  const result = await session
    .query()
    .groupBy('g', keys ? { keys } : {})
    .median('x', { bounds: [0, 1], bins })
    .releaseAsync({ epsilon: 1, delta: 1e-6 });
  outcome = `answered rows=${result.rows.length}`;
} catch (e) {
  outcome = String((e as { code?: string }).code);
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${outcome} charged=${session.budget.spentExact.epsilon.isZero() ? 0 : 1}\n`);
