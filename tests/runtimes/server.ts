// A tiny static file server for browser tests: serves the repository on 127.0.0.1 (a random
// port) with the MIME types module scripts and WebAssembly.compileStreaming insist on, and the
// COOP/COEP headers that make the page cross-origin isolated (SharedArrayBuffer, threads).
// Pages cannot be loaded from file:// (module scripts are blocked there). A path ending in '/'
// serves its index.html; `only` limits what is served to some folders (the browser demo).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Folders under root that may be served (e.g. ['examples/browser', 'dist']); default: all of root. */
  only?: string[];
  /** Default 0: a free port. */
  port?: number;
}

export function serveStatic(root: string, options: ServeOptions = {}): Promise<StaticServer> {
  const base = resolve(root);
  const allowed = (options.only ?? ['.']).map((dir) => resolve(base, dir));
  const inside = (file: string, dir: string) => file === dir || file.startsWith(dir + sep);
  const server = createServer(async (req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(base, '.' + path);
    if (req.method !== 'GET' || !inside(file, base) || !allowed.some((dir) => inside(file, dir))) {
      res.writeHead(req.method !== 'GET' ? 405 : 403, headers).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`);
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return fail(new Error('no port'));
      ok({
        origin: `http://127.0.0.1:${address.port}`,
        close: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}
