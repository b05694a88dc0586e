/**
 * The routes of the query server against real DuckDB data over loopback:
 * answers with intervals, guarantee and budget left; explain is free; budgets
 * and data sets; the OpenAPI document is the routes' schemas; local-DP
 * collectors persist across restarts; every answer is in the ledger before it
 * is sent, and the audit log holds who asked what and the charge, never an answer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { ROUTES } from '../../src/server/route-schemas.js';
import type { PaddingClock } from '../../src/sql/latency.js';
import { call, type Running, startServer } from './_server.js';

let s: Running;
let alice: string;
let bob: string;

beforeAll(async () => {
  s = await startServer();
  alice = s.key('alice');
  bob = s.key('bob');
});
afterAll(async () => {
  await s?.close();
});

const SQL = 'SELECT sex, COUNT(*) AS n, AVG(age) AS mean_age FROM adult GROUP BY sex';

describe('POST /v1/queries', () => {
  it('answers with intervals, the guarantee, the exact charge and the budget left, and records the spend first', async () => {
    const r = await call(s.url, 'POST', '/v1/queries', { key: alice, body: { dataset: 'adult', sql: SQL, epsilon: '1/4' } });
    expect(r.status).toBe(200);
    expect(r.body.columns).toEqual(['sex', 'n', 'mean_age']);
    const rows = r.body.rows as unknown[][];
    expect(rows.map((x) => x[0])).toEqual(['Female', 'Male']);
    const iv = (r.body.intervals as Record<string, [number, number][]>).n;
    expect(iv).toHaveLength(2);
    expect(iv?.[0]?.[0]).toBeLessThanOrEqual(rows[0]?.[1] as number);
    expect(r.body.guarantee).toEqual({ kind: 'pure', epsilon: 0.25 });
    expect(r.body.charged).toEqual({ epsilon: '1/4', delta: '0', rho: '0' });
    expect(r.body.remaining).toEqual({ analyst: { epsilon: 1.75, delta: 1e-7 }, dataset: { epsilon: 9.75, delta: 1e-6 } });
    const entries = await new FileLedger({ home: s.state }).entries('adult');
    expect(entries.map((e) => [e.analyst, e.memo, e.epsilon.toString()])).toContainEqual(['alice', SQL, '1/4']);
  });

  it('explain is free: the plan, the charge it would make and the rewritten SQL, nothing recorded', async () => {
    const before = (await new FileLedger({ home: s.state }).entries('adult')).length;
    const r = await call(s.url, 'POST', '/v1/explain', { key: alice, body: { dataset: 'adult', sql: SQL, epsilon: 1 } });
    expect(r.status).toBe(200);
    expect(r.body.charge).toEqual({ epsilon: '1', delta: '0', rho: '0' });
    expect(r.body.text).toContain('rewritten SQL');
    expect((await new FileLedger({ home: s.state }).entries('adult')).length).toBe(before);
  });

  it('refuses, charging nothing, once the analyst budget is spent (per-analyst budgets under the cap)', async () => {
    const ok = await call(s.url, 'POST', '/v1/queries', {
      key: bob,
      body: { dataset: 'adult', sql: 'SELECT COUNT(*) AS n FROM adult', epsilon: 2 },
    });
    expect(ok.status).toBe(200);
    const before = (await new FileLedger({ home: s.state }).entries('adult')).length;
    const r = await call(s.url, 'POST', '/v1/queries', {
      key: bob,
      body: { dataset: 'adult', sql: 'SELECT COUNT(*) AS n FROM adult', epsilon: '1/1000' },
    });
    expect(r.status).toBe(403);
    expect(r.body.error?.code).toBe('BUDGET_EXHAUSTED');
    expect((await new FileLedger({ home: s.state }).entries('adult')).length).toBe(before);
  });
});

describe('GET /v1/budget and /v1/datasets', () => {
  it("gives the caller's budget and the cap, spent and left, per data set", async () => {
    const r = await call(s.url, 'GET', '/v1/budget?dataset=donors', { key: alice });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      analyst: 'alice',
      budgets: [{ dataset: 'donors', analyst: { budget: { epsilon: 1 }, spent: { epsilon: '0' } }, cap: { budget: { epsilon: 6 } } }],
    });
  });

  it('lists only the data sets the caller has a budget on, with public schemas only', async () => {
    const r = await call(s.url, 'GET', '/v1/datasets', { key: bob });
    const ds = r.body.datasets as { name: string; tables: { columns: { name: string; lower?: number }[] }[] }[];
    expect(ds.map((d) => d.name)).toEqual(['adult']);
    expect(ds[0]?.tables[0]?.columns.find((c) => c.name === 'age')).toMatchObject({ type: 'integer', lower: 17, upper: 90 });
    // A value of the data (a row's fnlwgt) appears nowhere; only declared metadata does.
    expect(r.text).not.toContain('183710');
  });

  it('answers NOT_FOUND alike for a missing data set and one the caller has no budget on', async () => {
    const a = await call(s.url, 'GET', '/v1/budget?dataset=donors', { key: bob });
    const b = await call(s.url, 'GET', '/v1/budget?dataset=nothing', { key: bob });
    expect([a.status, b.status]).toEqual([404, 404]);
    expect(a.body).toEqual(b.body);
  });
});

describe('GET /openapi.json', () => {
  it('documents every route with the schemas Fastify validates with', async () => {
    const r = await call(s.url, 'GET', '/openapi.json');
    const paths = r.body.paths as Record<
      string,
      Record<string, { requestBody?: { content: { 'application/json': { schema: unknown } } } }>
    >;
    for (const route of Object.values(ROUTES)) {
      const op = paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(op, route.url).toBeDefined();
      if ('body' in route.schema) expect(op?.requestBody?.content['application/json'].schema).toEqual(route.schema.body);
    }
    expect(r.body.openapi).toBe('3.1.0');
  });
});

describe('health', () => {
  it('answers liveness and readiness without a key', async () => {
    expect((await call(s.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(s.url, 'GET', '/readyz')).body).toEqual({ status: 'ready' });
  });
});

describe('local-DP collectors', () => {
  it('adds reports without a key, estimates with one, refuses malformed reports, and keeps the aggregate across a restart', async () => {
    const { createGrrClient } = await import('../../src/local/client.js');
    const client = createGrrClient({ epsilon: 1, domainSize: 5 });
    const reports = Array.from({ length: 50 }, (_, i) => client.encode(i % 5));
    const ok = await call(s.url, 'POST', '/v1/ldp/browser', { body: { reports } });
    expect(ok.body).toMatchObject({ accepted: 50, rejected: 0 });
    const bad = await call(s.url, 'POST', '/v1/ldp/browser', { body: { v: 1, protocol: 'oue', bits: [1] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('MALFORMED_REQUEST');
    expect((await call(s.url, 'GET', '/v1/ldp/browser/estimate')).status).toBe(401);
    const est = await call(s.url, 'GET', '/v1/ldp/browser/estimate?confidence=0.9', { key: alice });
    expect(est.body).toMatchObject({ reports: 50, confidence: 0.9 });
    expect((est.body.estimates as { label: string }[]).map((e) => e.label)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const again = await startServer({}, {}, s.state);
    try {
      const k = again.key('alice');
      expect((await call(again.url, 'GET', '/v1/ldp/browser/estimate', { key: k })).body).toMatchObject({ reports: 50 });
    } finally {
      await again.close();
    }
  });
});

describe('audit log', () => {
  it('records who asked what and what was charged, never an answer', async () => {
    const r = await call(s.url, 'POST', '/v1/queries', {
      key: alice,
      body: { dataset: 'donors', sql: 'SELECT COUNT(*) AS n FROM donors', epsilon: 0.5 },
    });
    expect(r.status).toBe(200);
    const answer = String((r.body.rows as number[][])[0]?.[0]);
    const lines = readFileSync(join(s.state, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const mine = lines.find((l) => l.sql === 'SELECT COUNT(*) AS n FROM donors');
    expect(mine).toMatchObject({ analyst: 'alice', dataset: 'donors', outcome: 'answered', status: 200, charged: { epsilon: '1/2' } });
    expect(JSON.stringify(mine)).not.toContain(answer);
    expect(lines.find((l) => l.outcome === 'BUDGET_EXHAUSTED')).toMatchObject({ analyst: 'bob', charged: null, status: 403 });
  });
});

describe('latency padding', () => {
  it('releases answers and refusals alike at the next multiple of the quantum (injected clock)', async () => {
    let t = 1000;
    const slept: number[] = [];
    const clock: PaddingClock = {
      now: () => t,
      sleep: async (ms) => {
        slept.push(ms);
        t += ms;
      },
    };
    const p = await startServer({ server: { padLatencyMs: 250 } }, { clock });
    try {
      const k = p.key('alice');
      await call(p.url, 'POST', '/v1/queries', {
        key: k,
        body: { dataset: 'adult', sql: 'SELECT COUNT(*) AS n FROM adult', epsilon: 0.1 },
      });
      await call(p.url, 'POST', '/v1/queries', { key: k, body: { dataset: 'adult', sql: 'SELECT * FROM adult', epsilon: 0.1 } });
      // The injected clock does not move by itself: each request waits exactly one quantum.
      expect(slept).toEqual([250, 250]);
    } finally {
      await p.close();
    }
  });
});
