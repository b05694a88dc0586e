/** Unvetted mechanisms; importing this path is the opt-in. @module */
export {};
