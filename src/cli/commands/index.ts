/**
 * The verbs of the `tsdp` command; each module registers one.
 * @module
 */
import type { Command } from 'commander';

/** Registers one verb on the program. */
export type RegisterCommand = (program: Command) => void;

/** Every verb, in help order. */
export const commands: RegisterCommand[] = [];
