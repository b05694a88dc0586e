#!/usr/bin/env node
/**
 * The `tsdp` command. One file per verb in `commands/`, each thin over the
 * library and loaded only when its verb runs (see `commands/index.ts`).
 * Errors print once, with their code: `tsdp: CODE: message`; with `--json`
 * anywhere on the line they print as `{"error": {"code", "message",
 * "details"}}` on stdout. The exit code is the code table's either way.
 *
 * A checkout's build (`scripts/build.mjs`) also writes the same program as one
 * bundle, `dist/vendor/cli/tsdp.js` (split per verb): it is run when it is
 * there, since loading a few files instead of ≈ 200 modules is the CLI's
 * largest fixed cost after DuckDB's own (issue 11). From `src/` and in the npm
 * package (which does not ship `dist/vendor`) the modules run; so do they when
 * the bundle is older than this file (dist/ compiled again without the build
 * script: the bundle would run stale code).
 * @module
 */
import { statSync } from 'node:fs';

/** Whether the bundle is there and was built after this file was compiled. */
function bundleIsCurrent(bundle: URL): boolean {
  const built = statSync(bundle, { throwIfNoEntry: false });
  return built !== undefined && built.mtimeMs >= statSync(new URL(import.meta.url)).mtimeMs;
}

const bundle = new URL('../vendor/cli/tsdp.js', import.meta.url);
const { runTsdp }: typeof import('./run.js') = bundleIsCurrent(bundle) ? await import(bundle.href) : await import('./run.js');
process.exitCode = await runTsdp(process.argv.slice(2));
