/**
 * The browser-safe entries of the package and an esbuild bundle of each for
 * `platform: 'browser'` that records, instead of resolving, every import of a
 * Node built-in (`node:fs`, `stream`, `crypto`, …) reachable from the entry —
 * static or dynamic (a dynamic `import()` is still followed by bundlers).
 * Shared by the browser-bundle test and anything that measures bundle sizes.
 */
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Subpath → source entry: the entries DESIGN.md and the README call browser-safe. */
export const BROWSER_ENTRIES = {
  tsdp: 'src/index.ts',
  'tsdp/local': 'src/local/index.ts',
  'tsdp/local/client': 'src/local/client.ts',
} as const;

export type BrowserEntry = keyof typeof BROWSER_ENTRIES;

const builtins = new Set(builtinModules.map((m) => m.replace(/^node:/, '')));

/** True for `node:x`, and for bare names of Node built-ins (`fs`, `stream/web`, …). */
export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return builtins.has(specifier) || builtins.has(specifier.split('/')[0] as string);
}

function nodeImportRecorder(found: string[]): Plugin {
  return {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (!isNodeBuiltin(args.path)) return undefined;
        found.push(`${args.path} (${args.kind}) from ${relative(root, args.importer)}`);
        return { path: args.path, external: true };
      });
    },
  };
}

/** A minified ESM browser bundle of one entry, the Node built-ins it reaches, and its sizes. */
export async function bundleForBrowser(
  entry: BrowserEntry,
): Promise<{ code: string; nodeImports: string[]; bytes: number; gzipBytes: number }> {
  const nodeImports: string[] = [];
  const result = await build({
    entryPoints: [join(root, BROWSER_ENTRIES[entry])],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [nodeImportRecorder(nodeImports)],
  });
  const code = result.outputFiles[0]?.text ?? '';
  return { code, nodeImports, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}
