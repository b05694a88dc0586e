/** The one lazy optional-peer loader (core/optional-peer.ts): imported once, the typed NOT_FOUND naming the package, retried after a failure. */
import { describe, expect, it } from 'vitest';
import { optionalPeer } from '../../src/core/optional-peer.js';
import { loadPg } from '../../src/ledger/load-pg.js';
import { loadFastify } from '../../src/server/load-fastify.js';

describe('optionalPeer', () => {
  it('a package that is not installed: DpError NOT_FOUND naming it, and a later call imports again', async () => {
    const missing = 'tsdp-no-such-peer-package';
    let tries = 0;
    const load = optionalPeer(
      missing,
      () => {
        tries++;
        return import(missing);
      },
      'the feature',
      `npm install ${missing}`,
    );
    for (let i = 1; i <= 2; i++) {
      await expect(load()).rejects.toMatchObject({
        code: 'NOT_FOUND',
        details: { kind: 'dependency', name: missing },
        message: expect.stringContaining(`npm install ${missing}`),
      });
      expect(tries).toBe(i);
    }
  });

  it('an installed package is imported once; its default export when it has one, else the namespace', async () => {
    let tries = 0;
    const load = optionalPeer<typeof import('node:path')>(
      'node:path',
      () => {
        tries++;
        return import('node:path');
      },
      'x',
      'y',
    );
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(typeof a.join).toBe('function');
    expect(tries).toBe(1);
    const namespace = optionalPeer<{ answer: number }>('ns', async () => ({ answer: 42 }), 'x', 'y');
    expect((await namespace()).answer).toBe(42);
  });

  it('pg and fastify load through it', async () => {
    expect(typeof (await loadPg()).Pool).toBe('function');
    expect(typeof (await loadFastify())).toBe('function');
    expect(await loadPg()).toBe(await loadPg());
  });
});
