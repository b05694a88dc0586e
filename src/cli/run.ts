/**
 * The `tsdp` program as a function of its arguments (so that tests can run it
 * in-process): registers the verbs the arguments need (lazily, see
 * `commands/index.ts`), runs one, and reports a failure once with its code
 * (`report-error.ts`).
 * @module
 */
import { Command } from 'commander';
import { commandsFor } from './commands/index.js';
import { reportError } from './report-error.js';

/**
 * Runs `tsdp` with `argv` (the arguments after the program name).
 * @returns the exit code (0, or the code table's for the error).
 * @example
 * process.exitCode = await runTsdp(process.argv.slice(2));
 */
export async function runTsdp(argv: readonly string[]): Promise<number> {
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
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e, { json, usage });
  }
}
