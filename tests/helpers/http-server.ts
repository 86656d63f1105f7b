/**
 * A local HTTP server that serves fixture folders in the Hugging Face Hub's
 * URL layout, `/<owner>/<name>/resolve/<revision>/<file>`, and in the app's
 * bundled layout, `/models/<name>/<file>`, plus routes that fail the way real
 * servers do. It listens on 127.0.0.1 only and records every request.
 *
 * Repos (by id):
 * - the ones passed in: served at the revisions `main` and `v1.0`
 *   (any other revision is a 404), with HEAD support and content-length;
 * - `test-org/gated`: 401 for everything, as the Hub answers without a token;
 * - `test-org/forbidden`: 403;
 * - `test-org/broken`: 500;
 * - `test-org/dropped`: announces a file's full length, sends half, then
 *   destroys the connection;
 * - `test-org/stalled`: sends half, then nothing until the server closes.
 * Under `/spa/` every path answers 200 with an HTML page, as a single-page-app
 * host does for missing files.
 */
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';

export const SERVED_REVISIONS = ['main', 'v1.0'];

export interface RecordedRequest {
  method: string;
  path: string;
}

export interface FixtureServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts the server; `repos` maps a repo id (or bundled model name) to a fixture folder. */
export async function startFixtureServer(repos: Record<string, string>): Promise<FixtureServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method ?? 'GET', path: request.url ?? '' });
    route(repos, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy(); // the stalled route never ends by itself
        server.close(() => resolve());
      }),
  };
}

interface Target {
  repo: string;
  revision: string | null;
  file: string;
}

/** `/<owner>/<name>/resolve/<revision>/<file>` or `/models/<name>/<file>`. */
function parseTarget(urlPath: string): Target | null {
  const parts = new URL(urlPath, 'http://x').pathname.split('/').slice(1).map(decodeURIComponent);
  if (parts[0] === 'models' && parts.length >= 3) {
    return { repo: parts[1], revision: null, file: parts.slice(2).join('/') };
  }
  const resolveAt = parts.indexOf('resolve');
  if (resolveAt < 1 || resolveAt > 2 || parts.length < resolveAt + 3) return null;
  return { repo: parts.slice(0, resolveAt).join('/'), revision: parts[resolveAt + 1], file: parts.slice(resolveAt + 2).join('/') };
}

async function route(repos: Record<string, string>, request: http.IncomingMessage, response: http.ServerResponse) {
  if (request.url?.startsWith('/spa/')) {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><div id="root"></div>');
    return;
  }
  const target = parseTarget(request.url ?? '/');
  if (!target) return notFound(response, 'Entry not found');
  switch (target.repo) {
    case 'test-org/gated':
      return void response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Invalid credentials"}');
    case 'test-org/forbidden':
      return void response.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"Access to this resource is restricted"}');
    case 'test-org/broken':
      return void response.writeHead(500).end('Internal Server Error');
  }
  const failure = target.repo === 'test-org/dropped' || target.repo === 'test-org/stalled' ? target.repo : null;
  const folder = failure ? Object.values(repos)[0] : repos[target.repo];
  if (!folder) return notFound(response, 'Repository not found');
  if (target.revision !== null && !SERVED_REVISIONS.includes(target.revision)) return notFound(response, 'Revision not found');
  const bytes = await readInside(folder, target.file);
  if (!bytes) return notFound(response, 'Entry not found');

  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) });
  if (request.method === 'HEAD') return void response.end();
  if (failure === null) return void response.end(bytes);
  response.write(bytes.subarray(0, bytes.byteLength >> 1));
  if (failure === 'test-org/dropped') setTimeout(() => request.socket.destroy(), 20);
  // 'test-org/stalled': leave the response open; close() destroys the socket.
}

function notFound(response: http.ServerResponse, message: string): void {
  response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
}

/** The file's bytes if it lies inside `folder`, else null. */
async function readInside(folder: string, file: string): Promise<Buffer | null> {
  const full = path.resolve(folder, file);
  if (!full.startsWith(path.resolve(folder) + path.sep)) return null;
  try {
    return await fs.readFile(full);
  } catch {
    return null;
  }
}
