/**
 * Helpers of the server tests: a configuration over a temporary state folder
 * (the example data sets, padding off unless asked), a server on a loopback
 * port, API keys, and a small HTTP client.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createQueryServer, type QueryServer, type QueryServerOptions } from '../../src/server/app.js';
import { parseServerConfig, type ServerConfig } from '../../src/server/config.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const EXAMPLES = join(ROOT, 'examples');

/** A fresh state folder. */
export function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'tsdp-server-test-'));
}

/** The raw configuration of the tests: adult and donors from examples/, a GRR collector; `patch` overrides parts. */
export function rawConfig(state: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const server = { stateDir: state, padLatencyMs: 0, port: 0, rateLimit: { perSecond: 1000, burst: 1000 }, maxConcurrentPerAnalyst: 16 };
  return {
    server: { ...server, ...((patch.server as object) ?? {}) },
    ledger: patch.ledger ?? { kind: 'file' },
    datasets: patch.datasets ?? {
      adult: {
        schema: join(EXAMPLES, 'adult.schema.json'),
        files: { adult: join(EXAMPLES, 'adult.csv') },
        cap: { epsilon: 10, delta: 1e-6 },
        analysts: { alice: { epsilon: 2, delta: 1e-7 }, bob: { epsilon: 2 } },
      },
      donors: {
        schema: join(EXAMPLES, 'server/donors.schema.yaml'),
        files: { donors: join(EXAMPLES, 'server/donors.csv') },
        analysts: { alice: { epsilon: 1 } },
      },
    },
    ldp: patch.ldp ?? { browser: { protocol: 'grr', epsilon: 1, domainSize: 5, labels: ['a', 'b', 'c', 'd', 'e'] } },
  };
}

/** The validated configuration. */
export function testConfig(state: string, patch: Record<string, unknown> = {}): ServerConfig {
  return parseServerConfig(rawConfig(state, patch), ROOT, 'test config');
}

/** A listening server and its base URL. */
export interface Running {
  readonly server: QueryServer;
  readonly url: string;
  readonly state: string;
  key(analyst: string): string;
  close(): Promise<void>;
}

/** Starts a server on a loopback port. */
export async function startServer(
  patch: Record<string, unknown> = {},
  options: QueryServerOptions = {},
  state = stateDir(),
): Promise<Running> {
  const server = await createQueryServer(testConfig(state, patch), { playgroundDir: null, ...options });
  const url = await server.listen(0);
  return { server, url, state, key: (a) => server.keys.create(a).token, close: () => server.close() };
}

/** A JSON response. */
export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };
  readonly text: string;
  readonly headers: Headers;
}

/** One HTTP request; `body` is sent as JSON unless it is a string. */
export async function call(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.key ? { authorization: `Bearer ${options.key}` } : {}), ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const r = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await r.text();
  let parsed: Reply['body'] = {};
  try {
    parsed = JSON.parse(text) as Reply['body'];
  } catch {
    // Not JSON (a static file).
  }
  return { status: r.status, body: parsed, text, headers: r.headers };
}
