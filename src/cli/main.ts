#!/usr/bin/env node
/**
 * The `tsdp` command. One file per verb in `commands/`, each thin over the library.
 * @module
 */
import { Command } from 'commander';
import { isDpError } from '../core/errors.js';
import { commands } from './commands/index.js';

const program = new Command();
program.name('tsdp').description('Differential privacy for TypeScript').version('0.1.0');
program.showHelpAfterError();
program.exitOverride();
for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (isDpError(e)) {
    process.stderr.write(`tsdp: ${e.message} [${e.code}]\n`);
    process.exitCode = e.exitCode;
  } else if (
    e &&
    typeof e === 'object' &&
    'code' in e &&
    typeof (e as { code: unknown }).code === 'string' &&
    String((e as { code: string }).code).startsWith('commander.')
  ) {
    const ce = e as { exitCode?: number; code: string };
    // help and version exit 0; usage errors exit 2 (commander already printed the message)
    process.exitCode = ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version' || ce.code === 'commander.help' ? 0 : 2;
  } else {
    process.stderr.write(`tsdp: internal error: ${e instanceof Error ? e.message : String(e)} [INTERNAL]\n`);
    process.exitCode = 70;
  }
}
