/** Re-export of `src/numeric/minimize.ts` (its home since the import-graph lint). @internal */
export { minimizeUnimodal } from '../../numeric/minimize.js';
