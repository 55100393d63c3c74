// The worker of seeded_fit.js's seededFitHashOnSimd: a fresh engine on the SIMD128 build runs
// seededFitHash and posts {hash, build}, or {error}. A web Worker in browsers, Deno and Bun
// (self.postMessage); a node:worker_threads worker in Node, which has no `self`.
const port = typeof self === 'undefined' ? (await import('node:worker_threads')).parentPort : self;
try {
  const lp = await import('../../dist/index.js');
  const { seededFitHash } = await import('./seeded_fit.js');
  await lp.ready({ build: 'simd' });
  const hash = await seededFitHash(lp);
  port.postMessage({ hash, build: lp.backendInfo().build });
} catch (e) {
  port.postMessage({ error: `simd worker: ${e instanceof Error ? `${e.message}\n${e.stack}` : String(e)}` });
}
