import type { RegisterCommand } from './index.js';

/** Registers `tsdp audit` (being built). */
export const register: RegisterCommand = () => {};
