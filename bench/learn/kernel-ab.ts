/**
 * bench/learn/kernel-ab.ts — two builds of the kernels module side by side in one process, on the MNIST CNN's
 * convolution products as the resident layer calls them (convForward with the packed patches kept, convExampleGrads
 * reading them, convInputGrad), batch 256, interleaved rounds; ms of process CPU per call, median [min–max], and
 * the ratio old ÷ new per round; then pool 1 (2×2 stride 1 over 256·16 planes 14×14, the ReLU fused) forward and
 * backward the same way. It also checks that both builds write the same bytes for every output (the
 * default modules must; the relaxed ones on the same machine should).
 * Usage: npx tsx bench/learn/kernel-ab.ts OLD-kernels-wasm.ts [rounds, default 8] [calls per round, default 10] [relaxed] [pool]
 * (`pool`: pool 1 only, the convolutions skipped)
 * OLD is a copy of src/learn/wasm/kernels-wasm.ts from another commit, e.g.
 *   git show main:src/learn/wasm/kernels-wasm.ts > /tmp/old-kernels-wasm.ts
 * The new module is this checkout's. Figures from the shared 2-core build machine are indicative only.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } = await import('../../src/learn/wasm/kernels-wasm.js');

const oldPath = process.argv[2];
if (!oldPath) throw new Error('usage: kernel-ab.ts OLD-kernels-wasm.ts [rounds] [calls] [relaxed]');
const rounds = Number(process.argv[3] ?? 8);
const calls = Number(process.argv[4] ?? 10);
const relaxed = process.argv.slice(5).includes('relaxed');
const poolOnly = process.argv.slice(5).includes('pool');
const B = 256;

/** The base64 literal assigned to `name` in a kernels-wasm.ts text. */
function literal(text: string, name: string): string {
  const from = text.indexOf(`${name} =`);
  if (from < 0) throw new Error(`no ${name} in ${oldPath}`);
  const end = text.indexOf(';', from);
  return [...text.slice(from, end).matchAll(/'([A-Za-z0-9+/=]*)'/g)].map((m) => m[1]).join('');
}

const oldText = readFileSync(oldPath, 'utf8');
const name = relaxed ? 'KERNELS_RELAXED_WASM_BASE64' : 'KERNELS_WASM_BASE64';
const oldB64 = literal(oldText, name);
const newB64 = relaxed ? KERNELS_RELAXED_WASM_BASE64 : KERNELS_WASM_BASE64;

type Fn = (...a: number[]) => void;
interface Ex {
  memory: WebAssembly.Memory;
  heapBase(): number;
  packBytes(): number;
  convKeepsPatches(C: number, k: number, oh: number, ow: number, H: number, W: number, p: number): number;
  convForward: Fn;
  convExampleGrads: Fn;
  convInputGrad: Fn;
  poolForward32: Fn;
  poolBackward32: Fn;
}

interface Shape {
  label: string;
  C: number;
  H: number;
  k: number;
  s: number;
  p: number;
  outC: number;
}
const shapes: Shape[] = [
  { label: 'conv1', C: 1, H: 28, k: 8, s: 2, p: 3, outC: 16 },
  { label: 'conv2', C: 16, H: 13, k: 4, s: 2, p: 0, outC: 32 },
];

const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** One module instance laid out for one shape, with the same seeded operands. */
function setup(b64: string, g: Shape) {
  const mod = new WebAssembly.Module(Buffer.from(b64, 'base64'));
  const ex = new WebAssembly.Instance(mod, {}).exports as unknown as Ex;
  const oh = Math.floor((g.H + 2 * g.p - g.k) / g.s) + 1;
  const T = oh * oh;
  const K = g.C * g.k * g.k;
  const inSize = g.C * g.H * g.H;
  const outSize = g.outC * T;
  const sizes = {
    x: B * inSize,
    d: B * outSize,
    g: B * (g.outC * K + g.outC),
    out: B * Math.max(inSize, outSize),
    w: g.outC * K,
    b: g.outC,
    col: T * K,
    tmp: T * g.outC,
    wp: Math.max(K * Math.ceil(g.outC / 8) * 8, g.outC * Math.ceil(K / 8) * 8),
    pat: B * T * K,
    norms: 2 * B,
    pack: ex.packBytes() / 4,
  };
  const at = {} as Record<keyof typeof sizes, number>;
  let end = (ex.heapBase() + 15) & ~15;
  for (const k of Object.keys(sizes) as (keyof typeof sizes)[]) {
    at[k] = end;
    end += Math.ceil((sizes[k] * 4) / 16) * 16;
  }
  const have = ex.memory.buffer.byteLength;
  if (end > have) ex.memory.grow(Math.ceil((end - have) / 65_536));
  const f32 = (k: keyof typeof sizes) => new Float32Array(ex.memory.buffer, at[k], sizes[k]);
  const rng = new SeededRandomSource(`kernel-ab-${g.label}`);
  const u = () => rng.nextUint32() / 2 ** 31 - 1;
  for (const k of ['x', 'w', 'b'] as const) f32(k).set(Float32Array.from({ length: sizes[k] }, () => u()));
  f32('d').set(Float32Array.from({ length: sizes.d }, () => u() * 1e-3));
  const shape = [g.C, g.H, g.H, g.k, g.s, g.p, oh, oh, g.outC];
  const pat = ex.convKeepsPatches(g.C, g.k, oh, oh, g.H, g.H, g.p) === 1 ? at.pat : 0;
  return {
    f32,
    forward: () => ex.convForward(at.x, at.w, at.b, at.out, at.col, at.tmp, at.wp, at.pack, B, ...shape, pat),
    grads: () => ex.convExampleGrads(at.x, at.d, at.g, at.norms, at.col, at.pack, B, ...shape, pat),
    inputGrad: () => ex.convInputGrad(at.d, at.w, at.out, at.col, at.wp, at.pack, B, ...shape),
  };
}

type Side = ReturnType<typeof setup>;
const ops = ['forward', 'grads', 'inputGrad'] as const;

function sameBytes(a: Side, b: Side, what: 'out' | 'g' | 'norms', op: (s: Side) => void): number {
  op(a);
  op(b);
  const x = new Uint32Array(a.f32(what).slice().buffer);
  const y = new Uint32Array(b.f32(what).slice().buffer);
  let differ = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) differ++;
  return differ;
}

const stat = (v: number[]) => {
  const s = [...v].sort((p, q) => p - q);
  const f = (i: number) => (s[i] ?? Number.NaN).toFixed(3);
  return `${f(Math.floor(s.length / 2))} [${f(0)}–${f(s.length - 1)}]`;
};

console.log(`${relaxed ? 'relaxed' : 'default'} modules; old ${oldPath}; ${rounds} rounds × ${calls} calls, batch ${B}`);
for (const g of poolOnly ? [] : shapes) {
  const olds = setup(oldB64, g);
  const news = setup(newB64, g);
  const differ = {
    forward: sameBytes(olds, news, 'out', (s) => s.forward()),
    grads: sameBytes(olds, news, 'g', (s) => s.grads()) + sameBytes(olds, news, 'norms', (s) => s.grads()),
    inputGrad: sameBytes(olds, news, 'out', (s) => s.inputGrad()),
  };
  olds.forward();
  news.forward();
  const times = Object.fromEntries(ops.map((op) => [op, { old: [] as number[], new: [] as number[], ratio: [] as number[] }])) as Record<
    (typeof ops)[number],
    { old: number[]; new: number[]; ratio: number[] }
  >;
  for (let r = 0; r < rounds; r++) {
    for (const op of ops) {
      const pair = [0, 0];
      for (const [side, s] of r % 2 === 0
        ? ([
            ['old', olds],
            ['new', news],
          ] as const)
        : ([
            ['new', news],
            ['old', olds],
          ] as const)) {
        s[op]();
        const c0 = cpu();
        for (let i = 0; i < calls; i++) s[op]();
        const ms = (cpu() - c0) / calls;
        times[op][side].push(ms);
        pair[side === 'old' ? 0 : 1] = ms;
      }
      times[op].ratio.push((pair[0] as number) / (pair[1] as number));
    }
  }
  for (const op of ops) {
    const t = times[op];
    console.log(
      `${g.label} ${op.padEnd(9)} old ${stat(t.old)}  new ${stat(t.new)} ms  old÷new ${stat(t.ratio)}  values differing: ${differ[op]}`,
    );
  }
}

/**
 * Pool 1 of the CNN on one module instance: 4,096 planes 14×14 → 13×13, ReLU fused, binary32. The winners are
 * binary64 flat indices in a module whose poolBackward32 takes 11 arguments (before stop 22's second part), one-byte
 * codes in one that takes 12 (the stride added); their bytes are compared only between modules of one layout.
 */
function setupPool(b64: string) {
  const mod = new WebAssembly.Module(Buffer.from(b64, 'base64'));
  const ex = new WebAssembly.Instance(mod, {}).exports as unknown as Ex;
  const rows = B * 16;
  const [H, oh] = [14, 13];
  const n = rows * H * H;
  const outs = rows * oh * oh;
  const bytes = { x: n * 4, out: outs * 4, arg: outs * 8, acc: n * 8, dx: n * 4, g: outs * 4 };
  const at = {} as Record<keyof typeof bytes, number>;
  let end = (ex.heapBase() + 15) & ~15;
  for (const k of Object.keys(bytes) as (keyof typeof bytes)[]) {
    at[k] = end;
    end += Math.ceil(bytes[k] / 16) * 16;
  }
  const have = ex.memory.buffer.byteLength;
  if (end > have) ex.memory.grow(Math.ceil((end - have) / 65_536));
  const rng = new SeededRandomSource('kernel-ab-pool');
  const u = () => rng.nextUint32() / 2 ** 31 - 1;
  new Float32Array(ex.memory.buffer, at.x, n).set(Float32Array.from({ length: n }, u));
  new Float32Array(ex.memory.buffer, at.g, outs).set(Float32Array.from({ length: outs }, () => u() * 1e-3));
  const codes = ex.poolBackward32.length === 12;
  return {
    codes,
    bytes: (k: 'out' | 'arg' | 'dx') => new Uint8Array(ex.memory.buffer.slice(at[k], at[k] + bytes[k])),
    forward: () => ex.poolForward32(at.x, at.out, at.arg, rows, H, H, 2, 1, oh, oh, 1),
    backward: codes
      ? () => ex.poolBackward32(at.g, at.arg, at.acc, at.dx, rows, H, H, 1, oh, oh, at.x, 1)
      : () => ex.poolBackward32(at.g, at.arg, at.acc, at.dx, rows, H, H, oh, oh, at.x, 1),
  };
}
{
  const olds = setupPool(oldB64);
  const news = setupPool(newB64);
  let differ = 0;
  for (const s of [olds, news]) {
    s.forward();
    s.backward();
  }
  for (const k of olds.codes === news.codes ? (['out', 'arg', 'dx'] as const) : (['out', 'dx'] as const)) {
    const [x, y] = [olds.bytes(k), news.bytes(k)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) differ++;
  }
  for (const op of ['forward', 'backward'] as const) {
    const t = { old: [] as number[], new: [] as number[], ratio: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const pair = [0, 0];
      for (const side of r % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
        const s = side === 'old' ? olds : news;
        const c0 = cpu();
        for (let i = 0; i < calls; i++) s[op]();
        const ms = (cpu() - c0) / calls;
        t[side].push(ms);
        pair[side === 'old' ? 0 : 1] = ms;
      }
      t.ratio.push((pair[0] as number) / (pair[1] as number));
    }
    console.log(`pool1 ${op.padEnd(9)} old ${stat(t.old)}  new ${stat(t.new)} ms  old÷new ${stat(t.ratio)}  bytes differing: ${differ}`);
  }
}
