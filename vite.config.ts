import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Where the page and the worker find tfjs's WebAssembly binaries (setWasmPaths). */
export const TFJS_WASM_PATH = 'tfjs-wasm/';

/**
 * Serves @tensorflow/tfjs-backend-wasm's .wasm files under /tfjs-wasm/ in
 * development and copies them into the build, so the WASM backend works
 * offline from the app's own origin.
 */
function tfjsWasmFiles(): Plugin {
  const require = createRequire(import.meta.url);
  const distDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
  const wasmFiles = readdirSync(distDir).filter((f) => f.endsWith('.wasm'));
  return {
    name: 'tfjs-wasm-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.split('?')[0].replace(`/${TFJS_WASM_PATH}`, '');
        if (!req.url?.startsWith(`/${TFJS_WASM_PATH}`) || !name || !wasmFiles.includes(name)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(join(distDir, name)));
      });
    },
    generateBundle() {
      for (const file of wasmFiles) {
        this.emitFile({ type: 'asset', fileName: `${TFJS_WASM_PATH}${file}`, source: readFileSync(join(distDir, file)) });
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), tfjsWasmFiles()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // tfjs alone is ~1.5 MB minified; the app is one page.
    chunkSizeWarningLimit: 4000,
    // The app, and the benchmark page (npm run bench -- --browser).
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        bench: fileURLToPath(new URL('./bench.html', import.meta.url)),
      },
    },
  },
  preview: { port: 5173, strictPort: true },
});
