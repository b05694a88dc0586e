/**
 * The server's configuration (src/server/config.ts): engines named by URL
 * (DuckDB, PostgreSQL, ClickHouse), clear errors naming the path, and the
 * class: any configuration either validates or is refused with one typed
 * INVALID_SCHEMA / INVALID_PARAMETER error — never a TypeError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import { loadServerConfig, parseServerConfig } from '../../src/server/config.js';
import { EXAMPLES, ROOT, rawConfig, stateDir } from './_server.js';

/** 'ok', or what was thrown. */
function attempt(f: () => unknown): unknown {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e;
  }
}

const donors = (db: string) => ({
  donors: { schema: 'examples/server/donors.schema.yaml', db, analysts: { alice: { epsilon: 1 } } },
});

describe('data set engines', () => {
  it('keeps PostgreSQL and ClickHouse URLs and resolves a DuckDB file against the config folder', () => {
    const ch = 'clickhouse://reader@127.0.0.1:18123/tsdp?cluster=tsdp';
    const pg = 'postgres://reader@127.0.0.1:54340/tsdp?tsdp_reader_role=tsdp_reader';
    for (const [db, want] of [
      [ch, ch],
      ['clickhouses://h:8443/db', 'clickhouses://h:8443/db'],
      [pg, pg],
      ['data/donors.duckdb', `duckdb:${ROOT}/data/donors.duckdb`],
      ['duckdb:donors.duckdb', `duckdb:${ROOT}/donors.duckdb`],
    ] as const) {
      const c = parseServerConfig(rawConfig(stateDir(), { datasets: donors(db) }), ROOT);
      expect(c.datasets.get('donors')?.db).toBe(want);
    }
  });

  it('refuses a ClickHouse URL that does not parse, naming the path', () => {
    expect(() => parseServerConfig(rawConfig(stateDir(), { datasets: donors('clickhouse://[::1') }), ROOT)).toThrow(
      /\$\.datasets\.donors\.db: expected clickhouse:\/\/host:8123\/database\?cluster=name/,
    );
  });
});

describe('clear errors', () => {
  it('names the path and what was expected', () => {
    const bad = (patch: Record<string, unknown>) => attempt(() => parseServerConfig(rawConfig(stateDir(), patch), ROOT));
    expect(String(bad({ server: { padLatencyMs: -1 } }))).toMatch(/config \$\.server\.padLatencyMs: expected/);
    expect(String(bad({ datasets: { d: { schema: 'x.yaml', analysts: {} } } }))).toMatch(/\$\.datasets\.d.*exactly one of files or db/);
    const over = bad({
      datasets: { d: { ...donors('x.duckdb').donors, cap: { epsilon: 1 }, analysts: { alice: { epsilon: 2 } } } },
    });
    expect(isDpError(over, 'INVALID_SCHEMA') && over.message).toMatch(/\$\.datasets\.d\.analysts\.alice: expected a budget within/);
    expect(() => loadServerConfig(`${EXAMPLES}/server/missing.yaml`)).toThrow(/config file not found/);
  });

  it('reads duckdbThreads (DuckDB threads per connection) and refuses anything but an integer in [1, 1024], naming the path', () => {
    const cfg = parseServerConfig({ server: { stateDir: stateDir(), duckdbThreads: 1 }, datasets: donors('x.duckdb') }, ROOT);
    expect(cfg.server.duckdbThreads).toBe(1);
    expect(
      parseServerConfig({ server: { stateDir: stateDir() }, datasets: donors('x.duckdb') }, ROOT).server.duckdbThreads,
    ).toBeUndefined();
    for (const v of [0, 1.5, 1025, -1, '2', null]) {
      const e = attempt(() =>
        parseServerConfig({ server: { stateDir: stateDir(), duckdbThreads: v }, datasets: donors('x.duckdb') }, ROOT),
      );
      expect(isDpError(e, 'INVALID_SCHEMA') && e.message).toMatch(/\$\.server\.duckdbThreads: expected threads: an integer in \[1, 1024\]/);
    }
  });

  it('refuses bad arguments with INVALID_PARAMETER', () => {
    for (const [raw, base] of [
      [{}, 'relative/dir'],
      [{}, 42],
      [{}, undefined],
    ] as const) {
      expect(() => parseServerConfig(raw, base as never)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    }
    expect(() => loadServerConfig(7 as never)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('the class: any value anywhere in a configuration validates or is refused with a typed error naming a path', () => {
    const leaf = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.constantFrom(-1, 0, Number.POSITIVE_INFINITY, Number.NaN, '', 'clickhouse://', 'postgres://', '../../etc/passwd', null, [], {}),
    );
    // A path into the configuration: a known key at each level, or a random one.
    const key = fc.oneof(
      fc.constantFrom('server', 'ledger', 'datasets', 'ldp', 'adult', 'donors', 'analysts', 'cap', 'epsilon', 'delta', 'db', 'files'),
      fc.constantFrom('padLatencyMs', 'rateLimit', 'port', 'kind', 'url', 'schema', 'browser', 'protocol', 'domainSize'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), leaf, (path, value) => {
        const raw = structuredClone(rawConfig('/tmp/tsdp-config-class')) as Record<string, unknown>;
        let node: Record<string, unknown> = raw;
        for (const k of path.slice(0, -1)) {
          const next = node[k];
          if (typeof next !== 'object' || next === null || Array.isArray(next)) node[k] = {};
          node = node[k] as Record<string, unknown>;
        }
        node[path[path.length - 1] as string] = value;
        const outcome = attempt(() => parseServerConfig(raw, ROOT));
        if (outcome === 'ok') return;
        expect(isDpError(outcome, 'INVALID_SCHEMA') || isDpError(outcome, 'INVALID_PARAMETER')).toBe(true);
        if (isDpError(outcome, 'INVALID_SCHEMA')) expect(outcome.message).toMatch(/^INVALID_SCHEMA: config \$/);
      }),
      { seed: 1515, numRuns: 400 },
    );
  });
});
