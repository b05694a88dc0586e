/**
 * Review stop 26 (review-server) of 9f71ca4 / 562ba48, end to end on the REAL server path: HTTP → runDpSql →
 * recordingLedger.chargeEarly → GroupCommitLedger → ThreadedFileLedger's worker (decided before the fsync, then
 * durable) → FileLedger → appendDurably. A real fsync failure is made without fault hooks (which cannot cross into
 * the worker): the data set's journal is a link to /dev/null, where every write succeeds and fsync fails (EINVAL).
 * So every accepted charge is decided and written, its statements start, and its fsync fails. Rule checked: no
 * answer leaves — every concurrent query (distinct SQL, some over rows and some over none) gets the SAME error,
 * an INTERNAL whose text and details do not depend on the query or the data. Deterministic: failure probability 0.
 * A mutant that resolves a batch at its `decided` message (threaded-ledger.ts) passes every other test of the
 * two-step charge (SIGKILL keeps written bytes in the page cache) and fails this one.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, startServer, stateDir } from '../server/_server.js';

describe('review-server: a failed fsync behind the server releases no answer', () => {
  it('eight concurrent distinct queries, each with its fsync failed after the decision: one error for all, no rows', async () => {
    const state = stateDir();
    mkdirSync(join(state, 'ledger'), { recursive: true });
    symlinkSync('/dev/null', join(state, 'ledger', 'donors.jsonl'));
    const s = await startServer({}, {}, state);
    try {
      const alice = s.key('alice');
      // Distinct queries: some select rows, some select none (the zip outside the categories' data), some group.
      const sqls = [
        'SELECT COUNT(*) AS n FROM donors',
        "SELECT COUNT(*) AS n FROM donors WHERE zip = '02139'",
        'SELECT COUNT(*) AS n FROM donors WHERE age > 200',
        'SELECT zip, COUNT(*) AS n FROM donors GROUP BY zip',
        'SELECT AVG(age) AS a FROM donors',
        'SELECT SUM(age) AS s FROM donors WHERE donated',
        'SELECT COUNT(*) AS n FROM donors WHERE age BETWEEN 30 AND 40',
        'SELECT MEDIAN(age) AS m FROM donors',
      ];
      const replies = await Promise.all(
        sqls.map((sql) => call(s.url, 'POST', '/v1/queries', { key: alice, body: { dataset: 'donors', sql, epsilon: '1/20' } })),
      );
      for (const r of replies) {
        expect(r.status).toBeGreaterThanOrEqual(500);
        expect(r.body.rows).toBeUndefined();
        expect(r.body.error?.code).toBe('INTERNAL');
      }
      // The same body whatever the query and its rows (the request id, if any, aside).
      expect(JSON.stringify(replies[0]?.body.error)).toContain('unsynced');
      const shapes = new Set(replies.map((r) => JSON.stringify({ status: r.status, error: r.body.error })));
      expect(shapes.size).toBe(1);
    } finally {
      await s.close();
    }
  }, 120_000);
});
