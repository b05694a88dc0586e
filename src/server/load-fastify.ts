/**
 * Loads `fastify`, the query server's optional peer dependency, the first time a server is created (issue 11: fastify 5
 * pulls `light-my-request` → `cookie@2`, which declares Node ≥ 22, so as a hard dependency every `npm install tsdp`
 * on Node 20 printed EBADENGINE, also for users who never run a server). `tsdp serve` and `createQueryServer` need it
 * installed (`npm install fastify`); nothing else of tsdp does, and `tsdp/server` imports only its types statically.
 * The loading rules: core/optional-peer.ts.
 * @module
 */
import type * as FastifyModule from 'fastify';
import { optionalPeer } from '../core/optional-peer.js';

/** The Fastify factory (the module's default export). */
export type FastifyFactory = typeof FastifyModule.default;

const load = optionalPeer<FastifyFactory>('fastify', () => import('fastify'), 'the query server', 'npm install fastify@5');

/**
 * The Fastify factory, imported once on first use.
 * @returns the `fastify` function.
 * @throws DpError NOT_FOUND (`details.kind` 'dependency', `details.name` 'fastify') when `fastify` is not installed.
 * @privacy Touches no data.
 * @example
 * const Fastify = await loadFastify();
 */
export function loadFastify(): Promise<FastifyFactory> {
  return load();
}
