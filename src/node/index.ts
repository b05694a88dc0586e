/**
 * `tsdp/node`: the Node-only parts of tsdp (they import Node built-ins such as
 * `node:fs`), kept out of the browser-safe root entry so that
 * `import { makeLaplace } from 'tsdp'` bundles for the browser.
 *
 * - `csvSource(path)`: a CSV file streamed as a `StreamSource`, for
 *   `Session.fromSource(csvSource('data.csv'), options)`.
 * - `writeSynthetic(path, records, domain)`: `tsdp/synth`'s records as CSV,
 *   Parquet (DuckDB) or Arrow IPC, by the file's extension.
 * - `createNoisePool()`: DP-SGD's bulk Gaussian drawn one step ahead in a
 *   worker thread (`makePrivate({ …, noise })` of `tsdp/learn`).
 * - `loadMnist()`, `loadFashionMnist()`, `loadAdult()`: data for `tsdp/learn`.
 *
 * Nothing here may be reached from `tsdp`, `tsdp/local` or `tsdp/local/client`:
 * the browser-bundle test (test/package/browser-bundle.test.ts) fails on any
 * Node built-in reachable from those entries.
 * @module tsdp/node
 */

export {
  ADULT_CSV,
  type AdultOptions,
  type Dataset,
  FASHION_MNIST_DIR,
  loadAdult,
  loadFashionMnist,
  loadMnist,
} from '../learn/node/datasets.js';
export { createNoisePool, NoisePool, type NoisePoolOptions } from '../learn/node/noise-pool.js';
export { type CsvSourceOptions, csvSource } from '../stats/csv-source.js';
export { type SynthFileFormat, synthFileFormat, writeSynthetic } from '../synth/write.js';
