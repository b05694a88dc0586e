#!/usr/bin/env node
/**
 * The `tsdp` command. One file per verb in `commands/`, each thin over the
 * library and loaded only when its verb runs (see `commands/index.ts`).
 * Errors print once, with their code: `tsdp: error CODE: message`; with
 * `--json` anywhere on the line they print as `{"error": {"code", "message",
 * "details"}}` on stdout. The exit code is the code table's either way.
 * @module
 */
import { Command } from 'commander';
import { commandsFor } from './commands/index.js';
import { reportError } from './report-error.js';

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const program = new Command();
program.name('tsdp').description('Differential privacy for TypeScript').version('0.1.0');
program.showHelpAfterError();
program.exitOverride();
let usage = '';
const captureUsage = (s: string): void => {
  usage += s;
};
for (const c of commandsFor(argv)) (await c.load()).register(program);
if (json) {
  // Usage errors become JSON errors too: commander's own text is kept for the message.
  for (const c of [program, ...program.commands]) c.configureOutput({ writeErr: captureUsage }).showHelpAfterError(false);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e, { json, usage });
}
