import type { RegisterCommand } from './index.js';

/** Registers `tsdp mechanism` (being built). */
export const register: RegisterCommand = () => {};
