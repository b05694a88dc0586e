/**
 * Why a ClickHouse server cannot be used (issue 11: load and connection errors name their public cause), for
 * `tsdp sql --db clickhouse://…` when the engine's open failed: one `GET /ping` to the server's HTTP interface, then
 * (when it answers) one `SELECT 1` in the URL's database as the URL's user. Only facts about the server are named
 * (refused, unknown host, not ClickHouse, no such database, login refused), read from the server's error *code*, never
 * its message; never a query's text or data. Nothing has been charged when this runs.
 * @module
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DpError } from '../core/errors.js';

/** Where the engine tried to connect: `clickhouseTarget(url)`'s server, database and login. */
export interface ClickHouseWhere {
  /** The server's HTTP(S) base URL, without credentials. */
  readonly url: string;
  readonly database: string;
  readonly user?: string;
  readonly password?: string;
}

/** One HTTP answer: its status and ClickHouse's numeric error code (header, else the body's `Code: N`), if any. */
interface Answer {
  readonly status: number;
  readonly code: number | undefined;
}

/** ClickHouse error codes that mean the login was refused (UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, IP_ADDRESS_NOT_ALLOWED, AUTHENTICATION_FAILED). */
const LOGIN_REFUSED = new Set([192, 193, 194, 195, 516]);
/** UNKNOWN_DATABASE. */
const UNKNOWN_DATABASE = 81;

/**
 * The public cause of a failed ClickHouse open, or undefined when the server answers its ping and a `SELECT 1` in the
 * database (the failure was elsewhere: the engine's own error stands).
 * @param where - the server, database and login (`clickhouseTarget(url)`).
 * @param timeoutMs - how long to wait for each request.
 */
export async function diagnoseClickHouse(where: ClickHouseWhere, timeoutMs = 10_000): Promise<DpError | undefined> {
  const base = where.url;
  let ping: Answer;
  try {
    ping = await get(`${base}/ping`, {}, timeoutMs);
  } catch (e) {
    return networkCause(e as NodeJS.ErrnoException, base, timeoutMs);
  }
  if (ping.status !== 200) {
    return new DpError('ENGINE_ERROR', `the server at ${base} did not answer as ClickHouse (HTTP ${ping.status} to /ping)`, {
      engine: 'clickhouse',
    });
  }
  const query = new URL(`${base}/`);
  query.searchParams.set('database', where.database);
  query.searchParams.set('query', 'SELECT 1');
  const headers: Record<string, string> = {};
  if (where.user) headers['X-ClickHouse-User'] = where.user;
  if (where.password) headers['X-ClickHouse-Key'] = where.password;
  let answer: Answer;
  try {
    answer = await get(query.href, headers, timeoutMs);
  } catch (e) {
    return networkCause(e as NodeJS.ErrnoException, base, timeoutMs);
  }
  if (answer.code === UNKNOWN_DATABASE) {
    return new DpError('NOT_FOUND', `database does not exist: ${where.database} (ClickHouse at ${base})`, {
      kind: 'database',
      name: where.database,
    });
  }
  if (answer.code !== undefined && LOGIN_REFUSED.has(answer.code)) {
    return new DpError('UNAUTHORIZED', `ClickHouse refused the login${where.user ? ` of ${where.user}` : ''} at ${base}`, {});
  }
  return undefined;
}

/** The cause of a request that got no HTTP answer. */
function networkCause(e: NodeJS.ErrnoException, base: string, timeoutMs: number): DpError {
  switch (e.code) {
    case 'ECONNREFUSED':
      return new DpError('ENGINE_ERROR', `connection refused by ClickHouse at ${base}`, { engine: 'clickhouse' });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DpError('ENGINE_ERROR', `unknown host in ${base}`, { engine: 'clickhouse' });
    case 'ETIMEDOUT':
      return new DpError('ENGINE_ERROR', `no answer from ClickHouse at ${base} within ${timeoutMs / 1000} s`, { engine: 'clickhouse' });
    default:
      return new DpError('ENGINE_ERROR', `ClickHouse at ${base} could not be reached (${e.code ?? 'network error'})`, {
        engine: 'clickhouse',
      });
  }
}

/** One GET; resolves with the status and ClickHouse's error code (only the first bytes of the body are read). */
function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  return new Promise((done, fail) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { method: 'GET', headers, timeout: timeoutMs }, (res) => {
      const header = Number(res.headers['x-clickhouse-exception-code']);
      let head = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => {
        if (head.length < 64) head += chunk.slice(0, 64);
      });
      res.on('end', () => {
        const body = /^Code: (\d+)/.exec(head);
        const code = Number.isInteger(header) && header > 0 ? header : body ? Number(body[1]) : undefined;
        done({ status: res.statusCode ?? 0, code });
      });
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', fail);
    req.end();
  });
}
