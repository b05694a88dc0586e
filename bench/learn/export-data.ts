/**
 * bench/learn/export-data.ts — writes a data set exactly as tsdp/learn's loader prepares it (same
 * public preprocessing, same split, same row order) for the Opacus side of bench/learn/accuracy.sh:
 * <dir>/<name>-{train,test}-{x,y}.bin (float64 row-major images, int32 labels) and <name>.json.
 * Usage: npx tsx bench/learn/export-data.ts <mnist|fashion-mnist> <dir> [limit: first n training rows]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFashionMnist, loadMnist } from '../../src/learn/node/datasets.js';

const [name, dir, limitText] = process.argv.slice(2);
if ((name !== 'mnist' && name !== 'fashion-mnist') || dir === undefined) {
  console.error('usage: export-data.ts <mnist|fashion-mnist> <dir> [limit]');
  process.exit(2);
}
const d = name === 'mnist' ? loadMnist() : loadFashionMnist();
const limit = limitText === undefined ? d.train.size : Math.min(d.train.size, Number(limitText));
mkdirSync(dir, { recursive: true });
const w = d.features;
const write = (file: string, a: Float64Array | Int32Array) =>
  writeFileSync(join(dir, file), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
write(`${name}-train-x.bin`, d.train.inputs.subarray(0, limit * w));
write(`${name}-train-y.bin`, d.train.labels.subarray(0, limit));
write(`${name}-test-x.bin`, d.test.inputs);
write(`${name}-test-y.bin`, d.test.labels);
writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, train: limit, test: d.test.size, features: w, classes: d.classes }));
console.log(`${name}: ${limit} train, ${d.test.size} test rows → ${dir}`);
