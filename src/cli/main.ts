#!/usr/bin/env node
/**
 * The `tsdp` command. One file per verb in `commands/`, each thin over the
 * library and loaded only when its verb runs (see `commands/index.ts`).
 * Errors print once, with their code: `tsdp: CODE: message`; with `--json`
 * anywhere on the line they print as `{"error": {"code", "message",
 * "details"}}` on stdout. The exit code is the code table's either way.
 * @module
 */
import { runTsdp } from './run.js';

process.exitCode = await runTsdp(process.argv.slice(2));
