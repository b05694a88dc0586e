/**
 * Review session 6, finding S22 (issue 10 class 12 "hostile parameters: every public entry validates once at the edge
 * and refuses with INVALID_PARAMETER — never a RangeError/TypeError escaping a public entry").
 *
 * The earlier sweeps call every export of `tsdp`, `tsdp/sql`, `tsdp/audit`, `tsdp/node` (root-hostile-parameters)
 * and `tsdp/learn`, `tsdp/local`, `tsdp/local/client`, `tsdp/synth` (subpath-hostile-parameters) as a function and
 * with `new`; trust's S7 sweep (test/core/instance-method-sweep.test.ts) covers instance METHODS of every subpath.
 * No sweep calls the exports of `tsdp/server` themselves: `createQueryServer(undefined)`, `openDataset(null)`,
 * `datasetSchema(null)`, `readServerSecret(1n)`, `new AuditLog({})`, `new EnginePool(undefined)`,
 * `new LdpCollector(null)` and `toErrorReply(<a value whose getters throw>)` let TypeError (or the caller's own
 * error) escape. Severity low: these are the operator's entries, nothing is charged, no data is involved — but it is
 * the class the issue's acceptance names, on a subpath the checks never reached.
 *
 * Hostile values are chosen so that no call creates a file (a string path would: `readServerSecret('x')` makes a
 * directory). Rule: the same sweep over `tsdp/server` (functions and constructors), with an edge line at the top of
 * each entry (`edgeRecord` / `edgeString` / `edgeArray`).
 * Owner: server (src/server/*), per TEAM.md trust may add S7 edge lines.
 */
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import * as server from '../../src/server/index.js';

const throwing = new Proxy(
  {},
  {
    get() {
      throw new Error('getter');
    },
  },
);
const HOSTILE: readonly (readonly [string, unknown])[] = [
  ['undefined', undefined],
  ['null', null],
  ['1n', 1n],
  ['NaN', Number.NaN],
  ['{}', {}],
  ['[]', []],
  ['throwing getters', throwing],
];

/** What escapes from `f`: undefined when it returns or throws a DpError (awaiting a promise, then closing what it opened). */
async function escapes(f: () => unknown): Promise<string | undefined> {
  try {
    const r = f();
    if (r && typeof (r as { then?: unknown }).then === 'function') {
      const v = (await r) as { close?: () => unknown } | undefined;
      if (v && typeof v.close === 'function') await v.close();
    }
    return undefined;
  } catch (e) {
    return e instanceof DpError ? undefined : ((e as Error)?.constructor?.name ?? typeof e);
  }
}

describe('review S22: tsdp/server entries with hostile arguments', () => {
  it.fails('BUG S22 (class 12): only DpError leaves a tsdp/server function or constructor called with a hostile argument', async () => {
    const bad: string[] = [];
    for (const [name, entry] of Object.entries(server)) {
      if (typeof entry !== 'function') continue;
      const isClass = /^class\b/.test(Function.prototype.toString.call(entry));
      for (const [label, h] of HOSTILE) {
        const call = isClass ? () => new (entry as new (x: unknown) => unknown)(h) : () => (entry as (x: unknown) => unknown)(h);
        const escaped = await escapes(call);
        if (escaped) bad.push(`${isClass ? 'new ' : ''}${name}(${label}): ${escaped}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('control: the same sweep sees DpError from an entry that validates (new RateLimiter(NaN, 1))', async () => {
    expect(await escapes(() => new server.RateLimiter(Number.NaN, 1))).toBeUndefined();
  });
});
