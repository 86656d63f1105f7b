/**
 * The Python the suite runs: Debian's /usr/bin/python3 with python3-torch
 * (not whatever `python3` is first on PATH). Tests that need it fail, never
 * skip, with what to install when it is missing.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export function requireTorch(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || '').trim().split('\n').pop();
    throw new Error(
      `${PYTHON} cannot import torch (${why}): install Debian's python3-torch and libopenblas0-pthread ` +
        '(apt-get install python3-torch libopenblas0-pthread; .ci/run does this when they are missing)',
    );
  }
}
