// "Same seed, same weights, everywhere": a small CNN with seeded initializers, fitted two epochs
// with a seeded shuffle on generated, seeded-augmented data, and a 64-bit FNV-1a hash of all its
// weights' bytes (batch norm's moving statistics included).
// On the SIMD128 build every runtime must produce the same hash (the relaxed build need not:
// relaxed_madd fuses on some engines and CPUs and not on others). Plain ESM with no imports
// beside node:worker_threads (only where there is no web Worker), so that Node, Deno, Bun and
// the browsers load it unchanged. The check itself is in checks.js.

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a, 64 bits, over bytes, continuing from h; BigInt, so no engine's float maths is involved. */
export function fnv1a64(bytes, h = FNV_OFFSET) {
  for (let i = 0; i < bytes.length; i++) h = ((h ^ BigInt(bytes[i])) * FNV_PRIME) & MASK64;
  return h;
}

/** The generated data set: 48 8x8 images of three classes (a bright band in one third) plus noise
 *  from a 32-bit LCG (integer ops and an exact division: the same floats in every engine). */
function data(lp) {
  const n = 48, side = 8;
  const img = new Float32Array(n * side * side), lab = new Float32Array(n * 3);
  let s = 0x5eed;
  for (let i = 0; i < n; i++) {
    const cls = i % 3;
    lab[i * 3 + cls] = 1;
    for (let p = 0; p < side * side; p++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const band = Math.floor((p % side) * 3 / side) === cls ? 1 : 0;
      img[i * side * side + p] = band + 0.25 * (s / 2 ** 31 - 1);
    }
  }
  return { x: lp.tensor(img, [n, side, side, 1]), y: lp.tensor(lab, [n, 3]) };
}

/**
 * Builds and fits the CNN in this lp (whatever build it runs) and returns the weights' hash as 16
 * hex digits. Every random choice has a seed: the augmentation, the initializers, dropout and
 * fit's shuffle.
 */
export async function seededFitHash(lp) {
  const { x: plain, y } = data(lp);
  // Seeded augmentation: its transforms are drawn and composed in JS (cos and sin included).
  const x = lp.data.augment(plain, { rotation: 20, zoom: 0.1, translation: 0.1, flipVertical: true, seed: 27 });
  plain.dispose();
  const seeded = (seed) => lp.initializers.glorotUniform({ seed });
  const model = lp.sequential([
    lp.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1], kernelInitializer: seeded(21) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.conv2d({ filters: 8, kernelSize: 3, kernelInitializer: lp.initializers.heNormal({ seed: 22 }) }),
    lp.layers.batchNormalization(),
    lp.layers.activation({ activation: 'relu' }),
    lp.layers.flatten(),
    lp.layers.dropout({ rate: 0.25, seed: 26 }),
    lp.layers.dense({ units: 12, activation: 'tanh', kernelInitializer: seeded(23) }),
    lp.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(24) }),
  ]);
  try {
    model.compile({ optimizer: lp.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 2, batchSize: 8, seed: 25, verbose: 0 });
    let h = FNV_OFFSET;
    for (const w of model.getWeights()) {
      const v = w.dataSync();
      h = fnv1a64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), h);
      w.dispose();
    }
    return h.toString(16).padStart(16, '0');
  } finally {
    model.dispose();
    lp.dispose([x, y]);
  }
}

/**
 * seededFitHash on the SIMD128 build, in a fresh engine: a worker (simd_worker.js) that loads the
 * package with ready({build: 'simd'}). The engine is one per realm and keeps the build it loaded
 * first, so a runtime that picked the relaxed build needs another realm for this. A web Worker
 * where there is one (browsers, Deno, Bun), else node:worker_threads (Node 20).
 */
export async function seededFitHashOnSimd() {
  const url = new URL('./simd_worker.js', import.meta.url);
  if (typeof Worker === 'function') {
    const worker = new Worker(url, { type: 'module' });
    try {
      return await new Promise((resolve, reject) => {
        worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
        worker.onerror = (e) => { e.preventDefault?.(); reject(new Error(`simd worker: ${e.message ?? e}`)); };
      });
    } finally {
      worker.terminate();
    }
  }
  const { Worker: NodeWorker } = await import('node:worker_threads');
  const worker = new NodeWorker(url);
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`simd worker exited (${code}) without an answer`)));
    });
  } finally {
    await worker.terminate();
  }
}
