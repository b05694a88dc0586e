/**
 * Builds the browser client of one protocol with esbuild (bundle + minify, ESM)
 * and measures it gzipped — shared by the browser test and bench/local.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Names exported by src/local/client.ts, one per protocol family. */
export const CLIENT_FACTORIES = [
  'createRrClient',
  'createGrrClient',
  'createUnaryClient',
  'createOlhClient',
  'createHrClient',
  'createSketchClient',
  'createRapporClient',
  'createClient',
] as const;

/** The minified ESM bundle of `exports` from tsdp/local/client, and its sizes. */
export async function buildClientBundle(exports: readonly string[]): Promise<{ code: string; bytes: number; gzipBytes: number }> {
  const result = await build({
    stdin: {
      contents: `export { ${exports.join(', ')} } from './src/local/client.ts';`,
      resolveDir: root,
      sourcefile: 'entry.ts',
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}
