/**
 * The shape of a verb module: it registers its command on the program. In its
 * own file so that verb modules and the lazy verb table (`index.ts`) do not
 * import each other.
 * @module
 */
import type { Command } from 'commander';

/** Registers one verb on the program. */
export type RegisterCommand = (program: Command) => void;
