import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Where the page and the worker find tfjs's WebAssembly binaries (setWasmPaths). */
export const TFJS_WASM_PATH = 'tfjs-wasm/';

/**
 * Cross-origin isolation: with these the page and its workers get
 * SharedArrayBuffer, so tfjs-backend-wasm loads its threaded SIMD build
 * (one thread per core) instead of the single-threaded one. require-corp
 * blocks cross-origin resources that neither opt in (CORP) nor answer CORS;
 * the app loads none: Hub downloads are CORS fetches. public/_headers sets
 * the same for static hosts that read it (Netlify, Cloudflare Pages); the
 * README has the lines for others.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

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
        // This middleware answers before Vite's own, which add server.headers.
        for (const [name, value] of Object.entries(CROSS_ORIGIN_ISOLATION_HEADERS)) res.setHeader(name, value);
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

/**
 * tfjs-backend-wasm starts its threads (Emscripten pthreads) from a Blob
 * holding `wasmFactoryThreadedSimd.toString()`: the factory's own source. A
 * minified bundle renames the variables that function closes over (its
 * `_scriptDir`), so in the threads the source refers to names that do not
 * exist there and every thread dies ("e is not defined"). This hands tfjs
 * the factory exactly as the package ships it (a self-contained expression),
 * as a string the minifier leaves alone. For the workers' build, the page's,
 * and the dev server's dependency bundle.
 */
function tfjsWasmThreadSource() {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const text = readFileSync(file, 'utf8');
  // The file is `var WasmBackendModuleThreadedSimd = (() => { ... })();` and a CommonJS/AMD export trailer.
  const start = text.indexOf('(() => {');
  const end = text.indexOf('})();', start);
  if (start < 0 || end < 0) throw new Error(`${file}: not the Emscripten factory this build expects (no "(() => {" … "})();")`);
  const factory = text.slice(start, end + '})()'.length);
  const call = 'wasmFactoryThreadedSimd.toString()';
  return {
    name: 'tfjs-wasm-thread-source',
    transform(code: string, id: string) {
      if (!/tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/.test(id.split('?')[0])) return null;
      if (!code.includes(call)) throw new Error(`${id}: no ${call} to replace (tfjs-backend-wasm changed; check the threaded build)`);
      return { code: code.replace(call, JSON.stringify(factory)), map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), tfjsWasmFiles(), tfjsWasmThreadSource()],
  optimizeDeps: { rolldownOptions: { plugins: [tfjsWasmThreadSource()] } },
  // The engine and benchmark workers are where tfjs runs: bundled with their own plugins.
  worker: { format: 'es', plugins: () => [tfjsWasmThreadSource()] },
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
  // `npm run dev`, the benchmark page (npm run bench -- --browser) and `npm start` (vite preview).
  server: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
  preview: { port: 5173, strictPort: true, headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
});
