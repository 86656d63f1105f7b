/**
 * The system Chromium (never a downloaded browser) and its flags for WebGPU
 * without a display (../shared/notes/webgpu.md): one list for the
 * end-to-end tests (playwright.config.ts) and the browser benchmark
 * (scripts/lib/bench/browser.ts), so both run the browser the same way.
 */
import { existsSync } from 'node:fs';

/**
 * CHROMIUM_PATH, else Debian's /usr/bin/chromium. When neither exists it
 * throws, saying what to install, so a test or benchmark that needs the
 * browser fails with that instead of a launch error (or being skipped).
 */
export function chromiumExecutablePath(): string {
  const file = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(file)) {
    throw new Error(
      `Chromium not found at ${file}${process.env.CHROMIUM_PATH ? ' (CHROMIUM_PATH)' : ''}: ` +
        'install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable',
    );
  }
  return file;
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
