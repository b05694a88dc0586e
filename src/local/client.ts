/** Browser client of tsdp/local. @module */
export {};
