/**
 * The verbs of the `tsdp` command; each module registers one.
 * @module
 */
import type { Command } from 'commander';

/** Registers one verb on the program. */
export type RegisterCommand = (program: Command) => void;

import { register as accountant } from './accountant.js';
import { register as audit } from './audit.js';
import { register as demo } from './demo.js';
import { register as mechanism } from './mechanism.js';
import { register as sql } from './sql.js';

/** Every verb, in help order. */
export const commands: RegisterCommand[] = [demo, sql, mechanism, accountant, audit];
