// Module hooks for the edge-worker test (tests/api/edge_ready.test.ts): once the child sends
// 'lock', every import() — the only way left to reach node:fs and friends — is refused.
let locked = false;

export function initialize({ port }) {
  port.on('message', (message) => {
    if (message === 'lock') { locked = true; port.postMessage('locked'); }
  });
}

export async function resolve(specifier, context, next) {
  if (locked) throw new Error(`edge trap: dynamic import('${specifier}') after lock`);
  return next(specifier, context);
}
