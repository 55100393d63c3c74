// The tiles chosen at load time, through the public API: ready() calibrates and backendInfo()
// reports the tiles and every candidate's figure; ready({tiles}) takes a saved choice (or
// 'default') and switches tiles on a loaded engine; a bad choice is a clear Error that changes
// nothing; and training gives bit-identical weights whichever tiles of one arithmetic run it.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { tileNames } from '../../js-bindings/calibrate.js';
import { values } from '../helpers/grad_check.js';

before(async () => { await lp.ready(); });

/** A small CNN trained for 3 Adam steps from fixed weights and data; returns every weight. */
async function trainedWeights(): Promise<Float32Array[]> {
  const init = (seed: number) => lp.initializers.glorotUniform({ seed });
  const model = lp.sequential([
    lp.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [10, 10, 3], kernelInitializer: init(1) }),
    lp.layers.conv2d({ filters: 12, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init(2) }),
    lp.layers.flatten(),
    lp.layers.dense({ units: 21, activation: 'relu', kernelInitializer: init(3) }),
    lp.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: init(4) }),
  ]);
  model.compile({ optimizer: lp.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const x = lp.tensor(values(13 * 10 * 10 * 3, 5, -1, 1), [13, 10, 10, 3]);
  const labels = Array.from({ length: 13 }, (_, i) => (i * 7) % 5);
  const y = lp.oneHot(lp.tensor(Int32Array.from(labels), [13], 'int32'), 5);
  await model.fit(x, y, { epochs: 3, batchSize: 13, shuffle: false, verbose: 0 });
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  lp.dispose([x, y]);
  model.dispose();
  return weights;
}

describe('tiles chosen at load time', () => {
  it('ready() calibrates: backendInfo() names the tiles and each candidate\'s GFLOP/s', () => {
    const info = lp.backendInfo();
    const names = tileNames(info.build);
    assert.ok(names.gemm.includes(info.tiles.gemm), info.tiles.gemm);
    assert.ok(names.conv.includes(info.tiles.conv), info.tiles.conv);
    assert.ok(names.int8.includes(info.tiles.int8), info.tiles.int8);
    for (const name of Object.keys(info.calibration.int8)) assert.ok(names.int8.includes(name), name);
    assert.ok(info.calibration.ms > 0);
    // Every timed candidate is one of the build's (on a very busy machine the budget can end
    // before the last ones ran; the default always runs first).
    const timed = Object.keys(info.calibration.gemm);
    assert.ok(timed.includes(names.gemm[0]), 'the default GEMM tile was timed');
    for (const name of timed) assert.ok(names.gemm.includes(name), name);
    for (const gflops of Object.values(info.calibration.gemm)) assert.ok(gflops > 0);
    for (const name of Object.keys(info.calibration.conv)) assert.ok(names.conv.includes(name), name);
    // The winner is the fastest of its arithmetic (a mul+add tile must be clearly faster), or the
    // build's default when the fastest failed to beat it again head to head.
    const native = names.gemm.filter((n) => !n.endsWith(':muladd'));
    const best = native.filter((n) => n in info.calibration.gemm)
      .reduce((a, b) => (info.calibration.gemm[b] > info.calibration.gemm[a] ? b : a));
    if (!info.tiles.gemm.endsWith(':muladd')) assert.ok([best, names.gemm[0]].includes(info.tiles.gemm), info.tiles.gemm);
  });

  it('ready({tiles}) switches a loaded engine and backendInfo() reports it', async () => {
    const before = lp.backendInfo().tiles;
    const names = tileNames(lp.backendInfo().build);
    try {
      for (const gemm of names.gemm) {
        await lp.ready({ tiles: { gemm, conv: names.conv[names.conv.length - 1] } });
        const info = lp.backendInfo();
        assert.deepEqual(info.tiles, { gemm, conv: names.conv[names.conv.length - 1], int8: names.int8[0] });
        assert.equal(info.calibration.ms, 0);
        const c = lp.matMul(lp.ones([3, 5]), lp.ones([5, 19]));
        assert.deepEqual([...c.dataSync()], new Array(57).fill(5));
        c.dispose();
      }
      await lp.ready({ tiles: 'default' });
      assert.deepEqual(lp.backendInfo().tiles, { gemm: names.gemm[0], conv: names.conv[0], int8: names.int8[0] });
    } finally {
      await lp.ready({ tiles: before });
    }
  });

  it('a tile this build does not have is a clear Error and changes nothing', async () => {
    const before = lp.backendInfo().tiles;
    await assert.rejects(lp.ready({ tiles: { gemm: '7x7:splat', conv: before.conv } }),
      /gemm tile "7x7:splat" is not one of the (simd|relaxed) build's: .*2x16:splat/);
    await assert.rejects(lp.ready({ tiles: { gemm: before.gemm, conv: 'fast' } }), /conv tile "fast"/);
    await assert.rejects(lp.ready({ tiles: { ...before, int8: 'vnni' } }), /int8 tile "vnni" is not one of the (simd|relaxed) build's: (i16|split, fused)/);
    await assert.rejects(lp.ready({ tiles: null as unknown as lp.TileChoice }), /expected \{gemm, conv\}/);
    assert.deepEqual(lp.backendInfo().tiles, before);
    const c = lp.matMul(lp.ones([2, 2]), lp.ones([2, 2]));
    assert.deepEqual([...c.dataSync()], [2, 2, 2, 2]);
    c.dispose();
  });

  it('the int8 dot forms: fused only where the engine gets it right, and the same predictions', async () => {
    const before = lp.backendInfo().tiles;
    const names = tileNames(lp.backendInfo().build);
    const model = lp.sequential([
      lp.layers.conv2d({ filters: 9, kernelSize: 3, activation: 'relu', inputShape: [7, 7, 3], kernelInitializer: lp.initializers.glorotUniform({ seed: 5 }) }),
      lp.layers.flatten(),
      lp.layers.dense({ units: 5, kernelInitializer: lp.initializers.glorotUniform({ seed: 6 }) }),
    ]);
    const x = lp.randomUniform([6, 7, 7, 3], 0, 1, 'float32', 7);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: x });
    try {
      const outputs: Float32Array[] = [];
      for (const int8 of names.int8) {
        await lp.ready({ tiles: { ...before, int8 } });
        // 'fused' stays only where its check passes (Node 20's V8 gets it wrong: 'split' there)
        const used = lp.backendInfo().tiles.int8;
        assert.ok(used === int8 || (int8 === 'fused' && used === 'split'), `${int8} → ${used}`);
        const y = q.predict(x);
        outputs.push(y.dataSync() as Float32Array);
        y.dispose();
      }
      for (const y of outputs.slice(1)) assert.deepEqual(y, outputs[0]);
    } finally {
      await lp.ready({ tiles: before });
      q.dispose();
      model.dispose();
      x.dispose();
    }
  });

  it('training gives bit-identical weights whichever tiles of one arithmetic run it', async () => {
    const before = lp.backendInfo().tiles;
    const names = tileNames(lp.backendInfo().build);
    try {
      for (const muladd of [false, true]) {
        const gemm = names.gemm.filter((n) => n.endsWith(':muladd') === muladd);
        const conv = names.conv.filter((n) => n.endsWith(':muladd') === muladd);
        let reference: Float32Array[] | undefined;
        for (let i = 0; i < gemm.length; i++) {
          await lp.ready({ tiles: { gemm: gemm[i], conv: conv[i % conv.length] } });
          const weights = await trainedWeights();
          if (reference === undefined) { reference = weights; continue; }
          weights.forEach((w, j) => assert.deepEqual(w, reference![j], `${gemm[i]}: weight ${j} differs from ${gemm[0]}'s`));
        }
      }
    } finally {
      await lp.ready({ tiles: before });
    }
  });
});
