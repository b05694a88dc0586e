/**
 * The playground's build (Vite): `npm run build:web` writes web/dist, which
 * `tsdp serve` serves at `/`. `npx vite --config web/vite.config.ts` runs it
 * alone in development, proxying the API to a `tsdp serve` on 127.0.0.1:8787.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: {
    host: '127.0.0.1',
    // The attack demo imports the example's donors table from examples/server.
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: { '/v1': 'http://127.0.0.1:8787', '/openapi.json': 'http://127.0.0.1:8787' },
  },
});
