// The every-runtime smoke checks, shared by tests/runtimes/smoke.test.ts (Node, Deno, Bun) and
// tests/runtimes/page.html (Chromium, Firefox). Plain ESM JavaScript that imports only its sibling
// seeded_fit.js, so that every runtime and the browser load it unchanged; failures throw Errors
// (no node:assert in a page).
//
// Each check is `{ name, full?, run(lp, expectedBuild, host) }`, where lp is the public API
// (dist/index.js; full: the check needs that full entry, and the core entry's run in
// tests/package/core_entry.test.ts skips it), expectedBuild the .wasm build this runtime must have picked ('simd' or 'relaxed') and host what
// the runner around the checks provides (checks.d.ts: log, referenceHash, writeReferenceHash, entry).
import { seededFitHash, seededFitHashOnSimd } from './seeded_fit.js';

function fail(message) {
  throw new Error(message);
}

function equal(actual, expected, what) {
  if (!Object.is(actual, expected)) fail(`${what}: expected ${expected}, got ${actual}`);
}

/** Element-wise closeness: both builds and every runtime agree within tolerances, not bits. */
function close(actual, expected, what, tol = 1e-4) {
  equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
      fail(`${what}: [${i}] expected ${expected[i]}, got ${actual[i]}`);
    }
  }
}

function throws(fn, pattern, what) {
  try {
    fn();
  } catch (e) {
    if (!pattern.test(e.message)) fail(`${what}: wrong error: ${e.message}`);
    return;
  }
  fail(`${what}: did not throw`);
}

/** Deterministic values in [-1, 1) (no Math.random: every runtime sees the same inputs). */
function values(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function gemmRef(a, b, bias, m, n, k, relu) {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return c;
}

function usage(lp) {
  const m = lp.memory();
  return `${m.numTensors} tensors, ${m.numBytes} bytes, ${m.numBlocks} blocks`;
}

/** Two classes: a bright left half or a bright right half of a 6x6 image, plus noise. */
function cnnData(lp, n, seed) {
  const px = values(n * 36, seed);
  const img = new Float32Array(n * 36), lab = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    lab[i * 2 + (i % 2)] = 1;
    for (let p = 0; p < 36; p++) img[i * 36 + p] = 0.2 * px[i * 36 + p] + (((p % 6) >= 3) === (i % 2 === 1) ? 1 : 0);
  }
  return { x: lp.tensor(img, [n, 6, 6, 1]), y: lp.tensor(lab, [n, 2]) };
}

/** A small CNN fitted on cnnData: one epoch, then ten more (the memory in use between them). */
async function trainSmallCnn(lp) {
  const { x, y } = cnnData(lp, 32, 7);
  const model = lp.sequential([
    lp.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1], kernelInitializer: lp.initializers.glorotUniform({ seed: 1 }) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    lp.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: lp.initializers.glorotUniform({ seed: 2 }) }),
  ]);
  model.compile({ optimizer: lp.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const first = await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, seed: 3 });
  const usageAfterFirst = usage(lp);
  const { history } = await model.fit(x, y, { epochs: 10, batchSize: 8, verbose: 0, seed: 4 });
  return { model, x, y, firstLoss: first.history.loss[0], history, usageAfterFirst };
}

/** The index of the largest value of each row of a [rows, cols] array. */
function argmaxRows(v, cols) {
  const out = [];
  for (let r = 0; r < v.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (v[r * cols + c] > v[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

export const checks = [
  {
    name: 'loads the expected build',
    async run(lp, expectedBuild, host) {
      await lp.ready();
      const info = lp.backendInfo();
      host.log(`build picked: ${info.build}`);
      equal(info.build, expectedBuild, 'backendInfo().build');
      equal(info.simd, true, 'backendInfo().simd');
      equal(info.relaxedSimd, expectedBuild === 'relaxed', 'backendInfo().relaxedSimd');
      equal(lp.relaxedSimdSupported(), expectedBuild === 'relaxed', 'relaxedSimdSupported()');
      // The core entry runs on its core .wasm (no sequence kernels), the full entry on the full one.
      if (host.entry !== undefined) {
        host.log(`${info.full ? 'full' : 'core'} .wasm for the ${host.entry} entry`);
        equal(info.full, host.entry === 'full', 'backendInfo().full');
      }
    },
  },
  {
    name: 'calibrates the tiles at load time (later passes included) and takes a saved choice',
    async run(lp, expectedBuild, host) {
      const settled = await lp.tilesSettled();
      const info = lp.backendInfo();
      for (const kind of ['gemm', 'conv', 'int8']) equal(settled[kind], info.tiles[kind], `tilesSettled().${kind}`);
      equal(info.calibration.settled, true, 'backendInfo().calibration.settled');
      const gemm = Object.keys(info.calibration.gemm);
      host.log(`tiles ${info.tiles.gemm} (GEMM), ${info.tiles.conv} (conv); calibration ${info.calibration.ms.toFixed(1)} ms ` +
        `in ready(), ${info.calibration.passes} later passes (${info.calibration.passesMs.toFixed(1)} ms), ${gemm.length} GEMM tiles timed`);
      if (gemm.length === 0) {
        // Nothing timed: the calibration blocks could not be had (the later passes time every
        // candidate otherwise); by design the build's default tile stays.
        await lp.ready({ tiles: 'default' });
        equal(lp.backendInfo().tiles.gemm, info.tiles.gemm, 'GEMM tile when nothing was timed (the default)');
      } else if (!gemm.includes(info.tiles.gemm)) {
        throw new Error(`backendInfo(): GEMM tile ${info.tiles.gemm} not among the timed ${gemm.join(', ')}`);
      }
      if (!(info.calibration.ms > 0)) throw new Error(`calibration took ${info.calibration.ms} ms`);
      // Both builds have these two.
      const other = info.tiles.gemm === '4x8:splat' ? '2x16:splat' : '4x8:splat';
      await lp.ready({ tiles: { gemm: other, conv: info.tiles.conv } });
      equal(lp.backendInfo().tiles.gemm, other, 'tiles after ready({tiles})');
      const c = lp.matMul(lp.ones([9, 7]), lp.ones([7, 17]));
      close(c.dataSync(), new Array(9 * 17).fill(7), 'matMul on another tile');
      c.dispose();
      await lp.ready({ tiles: info.tiles });
      equal(lp.backendInfo().tiles.gemm, info.tiles.gemm, 'tiles restored');
    },
  },
  {
    name: 'matMul gives known values',
    async run(lp) {
      const before = usage(lp);
      lp.tidy(() => {
        const c = lp.matMul(lp.tensor([[1, 2], [3, 4]]), lp.tensor([[5, 6], [7, 8]]));
        close(c.dataSync(), [19, 22, 43, 50], '2x2');
        const [m, n, k] = [33, 9, 17];
        const a = values(m * k, 1), b = values(k * n, 2);
        const d = lp.matMul(lp.tensor(a, [m, k]), lp.tensor(b, [k, n]));
        close(d.dataSync(), gemmRef(a, b, null, m, n, k, false), '33x17 * 17x9');
        const t = lp.matMul(lp.tensor(a, [k, m]), lp.tensor(b, [n, k]), true, true);
        equal(t.shape.join(','), `${m},${n}`, 'transposed shape');
      });
      equal(usage(lp), before, 'memory after tidy');
    },
  },
  {
    name: 'fused.matMul with bias and relu',
    async run(lp) {
      lp.tidy(() => {
        const y = lp.fused.matMul({
          a: lp.tensor([[1, -2], [3, 4]]), b: lp.tensor([[1, 0, -1], [2, 1, 0]]),
          bias: lp.tensor([0.5, -10, 0]), activation: 'relu',
        });
        close(y.dataSync(), [0, 0, 0, 11.5, 0, 0], 'relu(a·b + bias)');
        const [m, n, k] = [7, 20, 65];
        const a = values(m * k, 3), b = values(k * n, 4), bias = values(n, 5);
        const z = lp.fused.matMul({ a: lp.tensor(a, [m, k]), b: lp.tensor(b, [k, n]), bias: lp.tensor(bias), activation: 'relu' });
        close(z.dataSync(), gemmRef(a, b, bias, m, n, k, true), '7x65 * 65x20 + bias, relu');
      });
    },
  },
  {
    name: 'tidy frees temporaries and keeps results; memory stays flat',
    async run(lp) {
      const a = lp.ones([16, 16]);
      const step = () => lp.tidy(() => lp.matMul(lp.matMul(a, a), a).dataSync());
      step();
      const before = lp.memory();
      for (let i = 0; i < 50; i++) step();
      const after = lp.memory();
      equal(after.numTensors, before.numTensors, 'numTensors');
      equal(after.numBytes, before.numBytes, 'numBytes');
      equal(after.wasmMemoryBytes, before.wasmMemoryBytes, 'wasmMemoryBytes');
      const kept = lp.tidy(() => { lp.zeros([100]); return [lp.fill([2], 7)]; });
      equal(lp.memory().numTensors, before.numTensors + 1, 'one tensor kept');
      close(kept[0].dataSync(), [7, 7], 'kept values');
      lp.dispose(kept);
      a.dispose();
      throws(() => a.dataSync(), /^dataSync: .*disposed/, 'disposed tensor');
      throws(() => lp.matMul(lp.ones([2, 3]), lp.ones([2, 3])), /^matMul: inner dimensions/, 'shape error');
    },
  },
  {
    name: 'trains a small CNN (loss falls), gradients match known values, memory stays flat',
    async run(lp) {
      lp.tidy(() => {
        const g = lp.grad((x) => lp.sum(lp.mul(lp.square(x), x)))(lp.tensor([1, 2, 3]));
        close(g.dataSync(), [3, 12, 27], 'd/dx Σx³');
      });
      const { model, x, y, firstLoss, history, usageAfterFirst } = await trainSmallCnn(lp);
      equal(usage(lp), usageAfterFirst, 'memory after 10 more epochs');
      const loss = history.loss;
      if (!(loss[loss.length - 1] < firstLoss * 0.5)) fail(`loss did not fall: ${firstLoss} → ${loss}`);
      if (!(history.acc[history.acc.length - 1] > 0.9)) fail(`accuracy ${history.acc}`);
      model.dispose();
      lp.dispose([x, y]);
    },
  },
  {
    name: 'quantizes the trained CNN to int8 (agrees with f32, predicts, saves and loads bit for bit)',
    async run(lp, expectedBuild, host) {
      const before = usage(lp);
      const { model, x, y } = await trainSmallCnn(lp);
      const int8 = lp.quantize(model, { mode: 'int8', calibrationData: x });
      equal(int8.fallbacks.length, 0, `layers left in f32 (${int8.fallbacks})`);
      const [pf, pq] = [model.predict(x), int8.predict(x)];
      const [af, aq] = [argmaxRows(pf.dataSync(), 2), argmaxRows(pq.dataSync(), 2)];
      const agree = af.filter((c, i) => c === aq[i]).length;
      if (!(agree >= 0.9 * af.length)) fail(`int8 and f32 agree on ${agree} of ${af.length} argmaxes`);
      // New images the model never saw: int8 predict classifies them.
      const fresh = cnnData(lp, 16, 11);
      const pn = int8.predict(fresh.x);
      equal(pn.shape.join(','), '16,2', 'predict shape');
      const labels = argmaxRows(fresh.y.dataSync(), 2);
      const right = argmaxRows(pn.dataSync(), 2).filter((c, i) => c === labels[i]).length;
      if (!(right >= 14)) fail(`int8 model classified ${right} of 16 new images`);
      host.log(`int8 vs f32 argmax: ${agree} of ${af.length} agree; int8 on new images: ${right} of 16 right`);
      const back = lp.io.load(lp.io.save(int8));
      const pb = back.predict(x);
      const [vq, vb] = [pq.dataSync(), pb.dataSync()];
      equal(vb.length, vq.length, 'predictions after load');
      for (let i = 0; i < vq.length; i++) if (!Object.is(vq[i], vb[i])) fail(`int8 prediction ${i}: ${vq[i]} vs ${vb[i]} after load`);
      lp.dispose([pf, pq, pn, pb, x, y, fresh.x, fresh.y]);
      int8.dispose();
      back.dispose();
      model.dispose();
      equal(usage(lp), before, 'memory at the end');
    },
  },
  {
    name: 'saves and loads a model file (same predictions; a corrupted file is refused)',
    async run(lp) {
      const before = usage(lp);
      const x = lp.input({ shape: [5, 5, 2] });
      const c = lp.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
      const sum = lp.layers.add().apply([c, lp.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(x)]);
      const y = lp.layers.dense({ units: 2 }).apply(lp.layers.flatten().apply(sum));
      const model = lp.model({ inputs: x, outputs: y });
      const file = lp.io.save(model);
      const back = lp.io.load(file.buffer.slice(0));
      const input = lp.tensor(values(50, 9), [1, 5, 5, 2]);
      const [a, b] = [model.predict(input), back.predict(input)];
      const [va, vb] = [a.dataSync(), b.dataSync()];
      for (let i = 0; i < va.length; i++) if (!Object.is(va[i], vb[i])) fail(`prediction ${i}: ${va[i]} vs ${vb[i]} after load`);
      const corrupted = file.slice();
      corrupted[corrupted.length - 9] ^= 1;
      throws(() => lp.io.load(corrupted), /io\.load: checksum mismatch/, 'a flipped bit');
      lp.dispose([input, a, b]);
      model.dispose();
      back.dispose();
      equal(usage(lp), before, 'memory at the end');
    },
  },
  {
    name: 'recovers from out of memory',
    async run(lp) {
      const before = usage(lp);
      lp.setMemoryLimit(lp.memory().wasmMemoryBytes);
      try {
        throws(() => lp.zeros([1 << 28]), /out of memory/, '1 GiB under a limit');
        throws(() => lp.tidy(() => { lp.ones([8]); return lp.ones([1 << 28]); }), /out of memory/, 'inside tidy');
      } finally {
        lp.setMemoryLimit(0);
      }
      equal(usage(lp), before, 'memory after the failures');
      const big = lp.zeros([1 << 20]); // 4 MiB: memory grows again once the limit is lifted
      equal(big.dataSync()[12345], 0, 'usable afterwards');
      big.dispose();
      equal(usage(lp), before, 'memory at the end');
    },
  },
  {
    name: 'tokenizes text, trains an embedding model a step, keeps the tokenizer in the model file',
    full: true,
    async run(lp) {
      const before = usage(lp);
      const tokenizer = new lp.data.Tokenizer({ numWords: 6, oovToken: '<oov>' });
      tokenizer.fitOnTexts(['Free money, free!', 'Meeting at noon: the agenda.', 'free Zoë']);
      const seqs = tokenizer.textsToSequences(['free money at noon', 'Zoë, unknown!']);
      equal(JSON.stringify(seqs), '[[2,3,5,1],[1,1]]', 'ids (OOV = 1, most frequent first, 6 and up capped)');
      const x = lp.data.padSequences(seqs, { maxLen: 4, padding: 'post' });
      const model = lp.sequential([
        lp.layers.embedding({ inputDim: tokenizer.vocabularySize, outputDim: 3, maskZero: true, inputShape: [4] }),
        lp.layers.globalAveragePooling1d(),
        lp.layers.dense({ units: 1, activation: 'sigmoid' }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      const y = lp.tensor([1, 0], [2, 1]);
      await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
      const { model: back, tokenizer: loaded } = lp.io.load(lp.io.save(model, { tokenizer }), { withTokenizer: true });
      equal(JSON.stringify(loaded.textsToSequences(['free money at noon'])), '[[2,3,5,1]]', 'ids from the loaded tokenizer');
      const [a, b] = [model.predict(x), back.predict(x)];
      close(b.dataSync(), a.dataSync(), 'predictions after load', 0);
      lp.dispose([x, y, a, b]);
      model.dispose();
      back.dispose();
      equal(usage(lp), before, 'memory at the end');
    },
  },
  {
    name: 'same seed, same weights: a seeded fit on the SIMD128 build hashes as in Node',
    async run(lp, expectedBuild, host) {
      // A runtime on the relaxed build runs the SIMD128 fit in a fresh engine (a worker), and its
      // own build's hash is only printed: relaxed_madd may or may not fuse (README, Runtimes).
      const hash = expectedBuild === 'simd' ? await seededFitHash(lp) : (await seededFitHashOnSimd()).hash;
      host.log(`weights hash after 2 seeded epochs, SIMD128 build: ${hash}`);
      if (expectedBuild === 'relaxed') host.log(`the same on this runtime's relaxed build (not compared): ${await seededFitHash(lp)}`);
      if (host.writeReferenceHash) {
        // The reference run: a fresh engine must agree with this one, whose earlier checks
        // switched tiles and used the engine's unseeded sequence.
        const fresh = (await seededFitHashOnSimd()).hash;
        equal(fresh, hash, 'hash in a fresh SIMD128 engine (a worker)');
        host.writeReferenceHash(hash);
        return;
      }
      const reference = await host.referenceHash();
      if (reference === null) {
        // Run alone (no Node reference in this test run): the same runtime, a fresh engine.
        host.log('no reference hash from a Node SIMD128 run (LEPTON_WEIGHTS_HASH_FILE unset): compared with a fresh engine here');
        equal(hash, (await seededFitHashOnSimd()).hash, 'hash in a fresh SIMD128 engine (a worker)');
        return;
      }
      equal(hash, reference, 'weights hash against the Node SIMD128 run');
    },
  },
];

/** The checks an entry runs: all of them for 'full' (dist/index.js), those not marked full for 'core'. */
export function checksFor(entry) {
  return checks.filter((c) => entry === 'full' || !c.full);
}
