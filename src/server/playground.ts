/**
 * Serving the built playground (`web/dist`, built by `npm run build:web`) from
 * the query server: GET of a file under the folder, `/` as `index.html`; paths
 * are resolved inside the folder only (no `..`, no absolute paths, no links
 * out). Missing folder: the routes answer NOT_FOUND naming the build command.
 * @module
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DpError } from '../core/errors.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.csv': 'text/csv; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Registers `GET /` and `GET /assets/*` (and other top-level files) for the playground.
 * @param app - the Fastify app.
 * @param dir - the built playground's folder.
 */
export function servePlayground(app: FastifyInstance, dir: string): void {
  const root = existsSync(dir) ? realpathSync(dir) : null;
  const send = (rel: string) => {
    if (root === null) throw new DpError('NOT_FOUND', 'the playground is not built (npm run build:web)', { kind: 'playground' });
    const full = resolve(root, `.${sep}${rel}`);
    if (!(full === root || full.startsWith(`${root}${sep}`)) || !existsSync(full)) {
      throw new DpError('NOT_FOUND', 'no such file in the playground', { kind: 'file' });
    }
    const real = realpathSync(full);
    if (!real.startsWith(`${root}${sep}`) || !statSync(real).isFile())
      throw new DpError('NOT_FOUND', 'no such file in the playground', { kind: 'file' });
    return { type: TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream', body: readFileSync(real) };
  };
  app.get('/', async (_request, reply) => {
    const f = send('index.html');
    return reply.type(f.type).send(f.body);
  });
  app.get('/*', async (request, reply) => {
    const rel = (request.params as { '*': string })['*'] ?? '';
    if (rel.includes('\0')) throw new DpError('NOT_FOUND', 'no such file in the playground', { kind: 'file' });
    const f = send(join(rel));
    if (rel.startsWith('assets/')) void reply.header('cache-control', 'public, max-age=31536000, immutable');
    return reply.type(f.type).send(f.body);
  });
}
