import type { RegisterCommand } from './index.js';

/** Registers `tsdp sql` (being built). */
export const register: RegisterCommand = () => {};
