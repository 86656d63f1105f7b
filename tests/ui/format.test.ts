import { describe, expect, it } from 'vitest';
import { backendDisplayName, compactBlankLines } from '../../src/ui/format';

describe('display formats', () => {
  it('names every backend one way (the failure buttons said "WEBGPU", the badge "WebGPU")', () => {
    expect(['webgpu', 'webgl', 'wasm', 'cpu'].map(backendDisplayName)).toEqual(['WebGPU', 'WebGL', 'WASM', 'CPU']);
  });

  it('shows runs of blank lines in generated text as one blank line, and keeps the words', () => {
    expect(compactBlankLines('a\n\n\n\n\nb\n \n\t\n\nc')).toBe('a\n\nb\n\nc');
    expect(compactBlankLines('a\nb\n\nc')).toBe('a\nb\n\nc');
  });
});
