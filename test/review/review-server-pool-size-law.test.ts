/**
 * Review stop 26 (review-server) of 67d0a76 — `duckdbConnections` default 2 → 4 "must not change any answer's law".
 * Class: the server's own DuckDB data set opening (`openDataset`, the Adult CSV as the tests configure it) with
 * 1, 2, 4 or 8 connections and the default or a fixed thread count (so threads per connection also move: the
 * default shares the cores out), queries run concurrently (statements spread over the connections), each with its
 * own seeded noise. Rule: every answer is bit-for-bit the same across pool sizes and thread counts — the exact
 * aggregate under the noise does not depend on the pool (same salt, same noise draws, same rows). Deterministic:
 * failure probability 0.
 */
import { describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { openDataset } from '../../src/server/datasets.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { stateDir, testConfig } from '../server/_server.js';

const SQLS = [
  'SELECT COUNT(*) AS n FROM adult',
  'SELECT sex, COUNT(*) AS n FROM adult GROUP BY sex',
  'SELECT AVG(age) AS a FROM adult',
  'SELECT education, SUM(hours_per_week) AS h FROM adult GROUP BY education',
  'SELECT MEDIAN(age) AS m FROM adult',
  'SELECT COUNT(*) AS n FROM adult WHERE age BETWEEN 30 AND 40',
];

describe('review-server: the DuckDB pool size does not change any answer', () => {
  it('1, 2, 4, 8 connections × default or 2 threads: the same answers for the same seeds', async () => {
    const config = testConfig(stateDir()).datasets.get('adult');
    if (!config) throw new Error('no adult data set in the test configuration');
    const answers: string[] = [];
    for (const [connections, threads] of [
      [1, undefined],
      [2, undefined],
      [4, undefined],
      [8, undefined],
      [4, 2],
    ] as const) {
      const d = await openDataset(config, 60_000, connections, threads);
      try {
        const ledger = new FileLedger({ home: stateDir() });
        const rows = await Promise.all(
          SQLS.map((sql, i) =>
            runDpSql({
              sql,
              analyst: 'alice',
              schema: d.schema,
              engine: d.engine,
              ledger,
              epsilon: 0.05,
              delta: 1e-9,
              rng: new SeededRandomSource(4000 + i),
            }).then((r) => JSON.stringify(r.rows)),
          ),
        );
        answers.push(rows.join('\n'));
      } finally {
        await d.engine.close();
      }
    }
    expect(new Set(answers).size).toBe(1);
  }, 180_000);
});
