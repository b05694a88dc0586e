/**
 * Why a ClickHouse server cannot be used (issue 11: load and connection errors name their public cause), for
 * `tsdp sql --db clickhouse://…` when the engine's open failed: one `GET /ping` to the server's HTTP interface. Only
 * facts about the server are named (refused, unknown host, not ClickHouse), never a query's text or data; nothing has
 * been charged when this runs.
 * @module
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DpError } from '../core/errors.js';

/**
 * The public cause of a failed ClickHouse open, or undefined when the server answers its ping (the failure was
 * elsewhere: the engine's own error stands).
 * @param httpUrl - the server's HTTP(S) base URL (`clickhouseTarget(url).url`: no credentials).
 * @param timeoutMs - how long to wait for the ping.
 */
export function diagnoseClickHouse(httpUrl: string, timeoutMs = 10_000): Promise<DpError | undefined> {
  return new Promise((done) => {
    const request = httpUrl.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(`${httpUrl}/ping`, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      done(
        res.statusCode === 200
          ? undefined
          : new DpError('ENGINE_ERROR', `the server at ${httpUrl} did not answer as ClickHouse (HTTP ${res.statusCode ?? '?'} to /ping)`, {
              engine: 'clickhouse',
            }),
      );
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      switch (e.code) {
        case 'ECONNREFUSED':
          return done(new DpError('ENGINE_ERROR', `connection refused by ClickHouse at ${httpUrl}`, { engine: 'clickhouse' }));
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
          return done(new DpError('ENGINE_ERROR', `unknown host in ${httpUrl}`, { engine: 'clickhouse' }));
        case 'ETIMEDOUT':
          return done(
            new DpError('ENGINE_ERROR', `no answer from ClickHouse at ${httpUrl} within ${timeoutMs / 1000} s`, { engine: 'clickhouse' }),
          );
        default:
          return done(
            new DpError('ENGINE_ERROR', `ClickHouse at ${httpUrl} could not be reached (${e.code ?? 'network error'})`, {
              engine: 'clickhouse',
            }),
          );
      }
    });
    req.end();
  });
}
