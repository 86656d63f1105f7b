import { describe, expect, it } from 'vitest';
import { droppedFilesFromList, labelOfDropped } from '../../../src/ui/engine/dropped-files';

const file = (name: string, relative = '') => Object.defineProperty(new File(['x'], name), 'webkitRelativePath', { value: relative });

describe('dropped files', () => {
  it('keep the path within a chosen folder', () => {
    expect(droppedFilesFromList([file('a.png', 'digits/3/a.png'), file('b.txt')]).map((f) => f.path)).toEqual(['digits/3/a.png', 'b.txt']);
  });

  it('are named by their folder, their one file, or as dropped files', () => {
    expect(labelOfDropped(droppedFilesFromList([file('config.json', 'tiny/config.json'), file('model.safetensors', 'tiny/model.safetensors')]))).toBe('tiny');
    expect(labelOfDropped(droppedFilesFromList([file('data.zip')]))).toBe('data.zip');
    expect(labelOfDropped(droppedFilesFromList([file('config.json'), file('model.safetensors')]))).toBe('dropped files');
  });
});
