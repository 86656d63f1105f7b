/**
 * Cross-origin isolation (so WASM runs threaded): the dev server, the
 * preview server `npm start` uses, public/_headers and the README's nginx
 * lines send the same two headers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import config, { CROSS_ORIGIN_ISOLATION_HEADERS } from '../../vite.config';

const EXPECTED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

describe('cross-origin isolation headers', () => {
  it('are the two that make a page cross-origin isolated, on the dev and preview servers', () => {
    expect(CROSS_ORIGIN_ISOLATION_HEADERS).toEqual(EXPECTED);
    const resolved = config as { server?: { headers?: unknown }; preview?: { headers?: unknown } };
    expect(resolved.server?.headers).toEqual(EXPECTED);
    expect(resolved.preview?.headers).toEqual(EXPECTED);
  });

  it('public/_headers sets them for every path', () => {
    const lines = readFileSync('public/_headers', 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines[0]).toBe('/*');
    expect(lines.slice(1).map((l) => l.trim())).toEqual(Object.entries(EXPECTED).map(([name, value]) => `${name}: ${value}`));
  });

  it("the README's nginx lines set them", () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const [name, value] of Object.entries(EXPECTED)) expect(readme).toContain(`add_header ${name} ${value} always;`);
  });
});
