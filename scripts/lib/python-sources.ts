/**
 * The Python the "Continue in PyTorch" bundle ships, read from python/ (their
 * one source; the app imports the same files as raw text: src/worker/python-sources.ts).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PythonSources } from '../../src/engine/adapters/handoff/pytorch-bundle';

const PYTHON_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../python');

export function readPythonSources(): PythonSources {
  return {
    trainPy: readFileSync(path.join(PYTHON_DIR, 'train.py'), 'utf8'),
    wegeftPy: readFileSync(path.join(PYTHON_DIR, 'wegeft.py'), 'utf8'),
  };
}
