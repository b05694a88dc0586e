/**
 * Loads `fastify`, the query server's optional peer dependency, the first time a server is created (issue 11: fastify 5
 * pulls `light-my-request` → `cookie@2`, which declares Node ≥ 22, so as a hard dependency every `npm install tsdp`
 * on Node 20 printed EBADENGINE, also for users who never run a server). `tsdp serve` and `createQueryServer` need it
 * installed (`npm install fastify`); nothing else of tsdp does, and `tsdp/server` imports only its types statically.
 * @module
 */
import type * as FastifyModule from 'fastify';
import { DpError } from '../core/errors.js';

/** The Fastify factory (the module's default export). */
export type FastifyFactory = typeof FastifyModule.default;

let loading: Promise<FastifyFactory> | undefined;

/**
 * The Fastify factory, imported once on first use.
 * @returns the `fastify` function.
 * @throws DpError NOT_FOUND (`details.kind` 'dependency', `details.name` 'fastify') when `fastify` is not installed.
 * @privacy Touches no data.
 * @example
 * const Fastify = await loadFastify();
 */
export function loadFastify(): Promise<FastifyFactory> {
  loading ??= import('fastify').then(
    (module) => (module as { default?: FastifyFactory }).default ?? (module as unknown as FastifyFactory),
    () => {
      loading = undefined; // a later call may succeed once `fastify` is installed
      throw new DpError('NOT_FOUND', 'the query server needs the optional peer dependency `fastify`: run `npm install fastify@5`', {
        kind: 'dependency',
        name: 'fastify',
      });
    },
  );
  return loading;
}
