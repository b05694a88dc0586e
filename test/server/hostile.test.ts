/**
 * Hostile requests (issue 15): malformed JSON, huge bodies, wrong content
 * types, unknown fields, missing/malformed/wrong/revoked keys, unknown data
 * sets, SQL the planner refuses, slow predicates, bad parameters, floods.
 * Each is a typed 4xx — a DpError whose status is the code table's — with
 * nothing charged and no data value in the response. The class: any request
 * whatever its bytes (a generative test sends random ones).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DP_ERRORS, type DpErrorCode } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { call, type Reply, type Running, startServer } from './_server.js';

let s: Running;
let alice: string;

// Values of rows of examples/adult.csv (fnlwgt, and a capital gain) that no public metadata holds.
const DATA_VALUES = ['183710', '188278', '215646', '14084', '338409'];

beforeAll(async () => {
  s = await startServer({ server: { bodyLimitBytes: 4096 } });
  alice = s.key('alice');
});
afterAll(async () => {
  await s?.close();
});

async function spent(): Promise<number> {
  return (await new FileLedger({ home: s.state }).entries('adult')).length;
}

/** A refusal: 4xx, the code table's status for its code, nothing of the data in it. */
function expectRefusal(r: Reply, code?: DpErrorCode): void {
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  const c = r.body.error?.code as DpErrorCode;
  expect(Object.keys(DP_ERRORS)).toContain(c);
  expect(DP_ERRORS[c].http).toBe(r.status);
  if (code) expect(c).toBe(code);
  for (const v of DATA_VALUES) expect(r.text).not.toContain(v);
}

const q = (sql: string, extra: Record<string, unknown> = {}) => ({ dataset: 'adult', sql, epsilon: 0.1, ...extra });

describe('keys', () => {
  it('refuses a missing, malformed, unknown, wrong or revoked key alike (UNAUTHORIZED), before reading the body', async () => {
    const other = s.server.keys.create('alice');
    const wrongSecret = other.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const unknownId = other.token.replace(/^tsdp_[0-9a-f]{16}/, 'tsdp_0123456789abcdef');
    const revoked = s.server.keys.create('alice');
    s.server.keys.revoke(revoked.id);
    const keys: (string | undefined)[] = [undefined, 'x', `${alice}x`, `Basic ${alice}`, 'tsdp_zz', wrongSecret, unknownId, revoked.token];
    const replies = [];
    for (const key of keys) {
      // A body that would fail validation: the key is checked first.
      const r = await call(s.url, 'POST', '/v1/queries', { ...(key !== undefined ? { key } : {}), body: '{not json' });
      expectRefusal(r, 'UNAUTHORIZED');
      replies.push(r.body);
    }
    expect(new Set(replies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect((await call(s.url, 'GET', '/v1/budget', { key: other.token })).status).toBe(200);
  });

  it('revocation takes effect on the running server at the next request', async () => {
    const k = s.server.keys.create('bob');
    expect((await call(s.url, 'GET', '/v1/datasets', { key: k.token })).status).toBe(200);
    s.server.keys.revoke(k.id);
    expectRefusal(await call(s.url, 'GET', '/v1/datasets', { key: k.token }), 'UNAUTHORIZED');
  });
});

describe('malformed requests', () => {
  it('refuses malformed JSON, an empty body, a huge body, a wrong content type and unknown fields, charging nothing', async () => {
    const before = await spent();
    const cases: { body: string; headers?: Record<string, string> }[] = [
      { body: '{"dataset": "adult", "sql": ' },
      { body: '' },
      { body: JSON.stringify(q(`SELECT COUNT(*) AS n FROM adult WHERE workclass = '${'x'.repeat(8000)}'`)) },
      { body: 'dataset=adult', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { body: JSON.stringify({ ...q('SELECT COUNT(*) AS n FROM adult'), admin: true }) },
      { body: JSON.stringify({ ...q('SELECT COUNT(*) AS n FROM adult'), epsilon: 'NaN' }) },
      { body: JSON.stringify({ ...q('SELECT COUNT(*) AS n FROM adult'), epsilon: [1] }) },
      { body: '[]' },
      { body: 'null' },
    ];
    for (const c of cases) {
      const r = await call(s.url, 'POST', '/v1/queries', {
        key: alice,
        body: c.body,
        headers: c.headers ?? { 'content-type': 'application/json' },
      });
      expectRefusal(r, 'MALFORMED_REQUEST');
    }
    expect(await spent()).toBe(before);
  });

  it('refuses unknown data sets, refused SQL, slow predicates and bad budgets with their typed codes, charging nothing', async () => {
    const before = await spent();
    const cases: [unknown, DpErrorCode][] = [
      [{ ...q('SELECT COUNT(*) AS n FROM adult'), dataset: 'secret' }, 'NOT_FOUND'],
      [q('SELECT age FROM adult'), 'UNSUPPORTED_QUERY'],
      [q('SELECT COUNT(*) AS n FROM pg_catalog.pg_tables'), 'UNSUPPORTED_QUERY'],
      [q("SELECT COUNT(*) AS n FROM adult WHERE occupation LIKE '%a%b%c%d%e%'"), 'UNSUPPORTED_QUERY'],
      [q("SELECT COUNT(*) AS n FROM adult WHERE regexp_matches(occupation, '(a+)+$')"), 'UNSUPPORTED_QUERY'],
      [q("SELECT COUNT(*) AS n FROM adult WHERE repeat(occupation, 100000) = 'x'"), 'UNSUPPORTED_QUERY'],
      [q('SELECT COUNT(*) AS n FROM adult; DROP TABLE adult'), 'UNSUPPORTED_QUERY'],
      [q('SELECT COUNT(*) AS n FROM adult', { epsilon: -1 }), 'INVALID_PARAMETER'],
      [q('SELECT COUNT(*) AS n FROM adult', { epsilon: 1e308 }), 'BUDGET_EXHAUSTED'],
      [q('SELECT COUNT(*) AS n FROM adult', { epsilon: 1, rho: 1 }), 'INVALID_PARAMETER'],
    ];
    for (const [body, code] of cases) expectRefusal(await call(s.url, 'POST', '/v1/queries', { key: alice, body }), code);
    expect(await spent()).toBe(before);
  });

  it('answers an unknown route NOT_FOUND without echoing it', async () => {
    const r = await call(s.url, 'GET', '/v1/../../etc/passwd', { key: alice });
    expectRefusal(r, 'NOT_FOUND');
    expect(r.text).not.toContain('passwd');
  });
});

describe('admission limits', () => {
  it('refuses a key past its rate limit with RATE_LIMITED and Retry-After, charging nothing', async () => {
    const t = await startServer({ server: { rateLimit: { perSecond: 0.001, burst: 2 } } });
    try {
      const k = t.key('alice');
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await call(t.url, 'GET', '/v1/datasets', { key: k })).status);
      expect(codes).toEqual([200, 200, 429, 429]);
      const r = await call(t.url, 'POST', '/v1/queries', { key: k, body: q('SELECT COUNT(*) AS n FROM adult') });
      expectRefusal(r, 'RATE_LIMITED');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await new FileLedger({ home: t.state }).entries('adult')).toHaveLength(0);
    } finally {
      await t.close();
    }
  });

  it('refuses queries past the analyst concurrency cap with RATE_LIMITED, charging only those answered', async () => {
    const t = await startServer({ server: { maxConcurrentPerAnalyst: 1 } });
    try {
      const k = t.key('alice');
      const replies = await Promise.all(
        Array.from({ length: 6 }, () => call(t.url, 'POST', '/v1/queries', { key: k, body: q('SELECT COUNT(*) AS n FROM adult') })),
      );
      const ok = replies.filter((r) => r.status === 200).length;
      for (const r of replies.filter((x) => x.status !== 200)) expectRefusal(r, 'RATE_LIMITED');
      expect(ok).toBeGreaterThanOrEqual(1);
      expect(await new FileLedger({ home: t.state }).entries('adult')).toHaveLength(ok);
    } finally {
      await t.close();
    }
  });
});

describe('the class: any request', () => {
  it('random bodies, keys and fields get a typed reply; refusals charge nothing; answers are each one ledger entry', async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc.record(
        {
          dataset: fc.constantFrom('adult', 'donors', 'nope', '', '../x'),
          sql: fc.oneof(
            fc.constantFrom(
              'SELECT COUNT(*) AS n FROM adult',
              'SELECT sex, SUM(capital_gain) AS g FROM adult GROUP BY sex',
              'SELECT AVG(age) AS a FROM adult WHERE fnlwgt > 183710',
              'SELECT fnlwgt FROM adult',
              "SELECT COUNT(*) FROM adult WHERE workclass = 'Private' OR 1/0 = 1",
            ),
            fc.string({ maxLength: 80 }),
          ),
          epsilon: fc.oneof(fc.double(), fc.constantFrom('1/100', '0', '-1', 'abc', '1e-3'), fc.integer()),
          delta: fc.oneof(fc.double({ min: 0, max: 1 }), fc.constant('1/2')),
          noise: fc.constantFrom('laplace', 'gaussian', 'other'),
          extra: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (b, withKey) => {
        const before = await spent();
        const r = await call(s.url, 'POST', '/v1/queries', {
          ...(withKey ? { key: alice } : {}),
          body: typeof b === 'string' ? b : JSON.stringify(b),
        });
        const after = await spent();
        for (const v of DATA_VALUES.slice(1)) expect(r.text).not.toContain(v);
        if (r.status === 200) {
          expect(after).toBe(before + 1);
          return;
        }
        expectRefusal(r);
        // Refused before the charge: nothing recorded (an ENGINE_ERROR after the charge would be 502, not a 4xx).
        expect(after).toBe(before);
      }),
      { numRuns: 60, seed: 15 },
    );
  });
});
