import type { RegisterCommand } from './index.js';

/** Registers `tsdp accountant` (being built). */
export const register: RegisterCommand = () => {};
