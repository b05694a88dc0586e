import type { RegisterCommand } from './index.js';

/** Registers `tsdp demo` (being built). */
export const register: RegisterCommand = () => {};
