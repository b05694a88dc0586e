/**
 * Review finding (issue 10 class 12, hostile parameters: "isSeeded is writable and a hand-made
 * deterministic source passes as secure"): still open. `isSeeded` is a TypeScript `readonly`
 * field only, so at run time `(seeded as any).isSeeded = false` turns the seeded source into one
 * every release path trusts (src/sql/run-dp-sql.ts:601, src/stats/*, src/core/measurement.ts:94
 * read `rng.isSeeded`), and a plain object `{ isSeeded: false, nextUint32: () => 0, fill }`
 * (noise known to whoever wrote it) is accepted as a CSPRNG: its results carry no
 * `notForRelease`. Rule that closes the class: "secure" is a property the library proves, not one
 * the caller states — only instances carrying a private brand of `CryptoRandomSource` (a `#field`
 * or a module-private WeakSet, checked with `#brand in x`) count as secure; any other source marks
 * the result not for release. `isSeeded` becomes a getter on the prototype (or the instance is
 * frozen). Fix belongs in src/random/source.ts (an `isSecureSource(rng)` helper) and the places above.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RandomSource } from '../../src/random/source.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE r (pid BIGINT)');
  await duck.connection.run('INSERT INTO r SELECT i FROM range(0, 10) t(i)');
});
afterAll(async () => {
  await duck?.close();
});

const schema = parseSqlSchema({
  dataset: 'rng',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: { r: { privacyUnit: 'pid', maxPartitions: 1, maxContributionsPerPartition: 1, columns: { pid: { type: 'integer' } } } },
});
const run = (rng: RandomSource) =>
  runDpSql({ sql: 'SELECT COUNT(*) AS n FROM r', schema, engine: duck, ledger: new MemoryLedger(), epsilon: 1, rng });

describe('review: a deterministic source that passes as secure', () => {
  it('control: the seeded source marks its result not for release', async () => {
    expect((await run(new SeededRandomSource(1))).notForRelease).toBe(true);
  });
  it('regression (review finding 6, fixed by acct): the seeded source with isSeeded overwritten at run time does not pass as secure', async () => {
    const seeded = new SeededRandomSource(1);
    try {
      (seeded as { isSeeded: boolean }).isSeeded = false;
    } catch {
      // A frozen or getter-only isSeeded would refuse the write: that is the fix.
    }
    expect((await run(seeded)).notForRelease).toBe(true);
  });
  it('regression (review finding 6b): a hand-made constant source is not trusted as secure (marked not for release or refused)', async () => {
    const constant: RandomSource = { isSeeded: false, nextUint32: () => 0x12345678, fill: (out) => out.fill(0x12345678) };
    const outcome = await run(constant).then(
      (r) => (r.notForRelease ? 'marked' : 'trusted'),
      () => 'refused',
    );
    expect(outcome).not.toBe('trusted');
  });
});
