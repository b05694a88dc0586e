/**
 * The verbs of the `tsdp` command; each module registers one. Modules are
 * loaded lazily: `tsdp accountant …` imports only `accountant.ts` (and what it
 * needs), never DuckDB, pg, the SQL parser or yaml; `tsdp --version` imports
 * no verb at all. Help and unknown verbs load every verb (to list them).
 * @module
 */
import type { RegisterCommand } from './register.js';

export type { RegisterCommand } from './register.js';

/** One verb: its name and how to load its module. */
export interface LazyCommand {
  readonly name: string;
  readonly load: () => Promise<{ register: RegisterCommand }>;
}

/** Every verb, in help order. */
export const commands: readonly LazyCommand[] = [
  { name: 'demo', load: () => import('./demo.js') },
  { name: 'sql', load: () => import('./sql.js') },
  { name: 'schema', load: () => import('./schema.js') },
  { name: 'budget', load: () => import('./budget.js') },
  { name: 'mechanism', load: () => import('./mechanism.js') },
  { name: 'accountant', load: () => import('./accountant.js') },
  { name: 'audit', load: () => import('./audit.js') },
  { name: 'synth', load: () => import('./synth.js') },
  { name: 'train', load: () => import('./train.js') },
  { name: 'serve', load: () => import('./serve.js') },
];

/**
 * The verbs to load for `argv` (the arguments after `node tsdp`): the named verb alone, none for
 * `--version`, every verb for help, no arguments or an unknown verb.
 */
export function commandsFor(argv: readonly string[]): readonly LazyCommand[] {
  const verb = argv.find((a) => !a.startsWith('-'));
  if (verb === undefined) return argv.some((a) => a === '-V' || a === '--version') ? [] : commands;
  const one = commands.find((c) => c.name === verb);
  return one && verb !== 'help' ? [one] : commands;
}
