/**
 * The system Chromium (never a downloaded browser) and its flags for WebGPU
 * without a display (../shared/notes/webgpu.md): one list for the
 * end-to-end tests (playwright.config.ts) and the browser benchmark
 * (scripts/lib/bench/browser.ts), so both run the browser the same way.
 */

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumExecutablePath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Headless, WebGPU on SwiftShader's Vulkan, no background traffic or first-run pages. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
