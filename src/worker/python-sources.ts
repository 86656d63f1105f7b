/// <reference types="vite/client" />
/**
 * The Python the "Continue in PyTorch" bundle ships: python/*.py as raw text,
 * built into the worker by Vite (python/ is their one source; the CLI reads
 * the same files from disk: scripts/lib/python-sources.ts).
 */
import trainPy from '../../python/train.py?raw';
import wegeftPy from '../../python/wegeft.py?raw';
import type { PythonSources } from '../engine/adapters/handoff/pytorch-bundle';

export const PYTHON_SOURCES: PythonSources = { trainPy, wegeftPy };
