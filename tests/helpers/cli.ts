/**
 * The project's Node CLIs (scripts/*.ts) run as `npm run <name>` runs them,
 * in a child process from the project root, with their output collected.
 */
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from './fixtures';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/<file>` with `args`; `env` is added to this process's environment. */
export function runScript(file: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${file}`, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON object on the last line of a CLI's stdout (its --json report). */
export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/**
 * This process's environment as a user's shell would have it: without what
 * vitest adds (NODE_ENV=test would change what `vite build` makes) and
 * without the WebGPU variables vitest.config.ts sets, so a CLI that needs
 * them sets them up itself, as it must when a user runs it.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name === 'TEST' || name === 'NODE_ENV') delete env[name];
  if (env.WEGEFT_WEBGPU_ENV === '1') {
    delete env.WEGEFT_WEBGPU_ENV;
    delete env.VK_ICD_FILENAMES;
    const paths = (env.LD_LIBRARY_PATH ?? '').split(':').filter((p) => p !== '' && p !== '/usr/lib/chromium');
    if (paths.length > 0) env.LD_LIBRARY_PATH = paths.join(':');
    else delete env.LD_LIBRARY_PATH;
  }
  return env;
}

/**
 * Runs one command line with bash from the project root, as typed at a
 * prompt (pipes, loops and `&&` included), in the user's environment.
 */
export function runShell(line: string, { timeoutMs = 300_000 }: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout ends npm and everything it started.
    const child = spawn('bash', ['-c', line], { cwd: PROJECT_ROOT, env: userEnv(), detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
