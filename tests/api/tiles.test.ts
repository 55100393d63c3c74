// The tiles chosen at load time, through the public API: ready() calibrates, later passes finish
// what the optimizing compiler had not (tilesSettled()), and backendInfo() reports the tiles and
// every candidate's figure; the choice rule on made-up figures; ready({tiles}) takes a saved choice
// (or 'default') and switches tiles on a loaded engine, ending the later passes; a bad choice is a
// clear Error that changes nothing; and training gives bit-identical weights whichever tiles of
// one arithmetic run it.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { engine } from '../../js-bindings/engine.js';
import { calibrate, retune, RETUNE_DELAYS_MS } from '../../js-bindings/calibrate.js';
import { chooseTile, decide, optimized, type Candidate, type Tuning } from '../../js-bindings/tile_choice.js';
import { tileNames } from '../../js-bindings/tile_names.js';
import { values } from '../helpers/grad_check.js';
import { runModule, wasmFlags } from '../helpers/run_module.js';

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

/** A made-up candidate: ms per rep now, at its first run, and when the pass before ended. */
function candidate(id: number, name: string, best: number, first = 3 * best, previous = Infinity): Candidate {
  return { kind: "gemm", id, name, reps: 1, flops: 1e6, best, first, previous, won: false };
}

describe('the choice rule (made-up figures)', () => {
  const yes = () => true, no = () => false;
  it('a tile seen running optimized code: 1/0.6 times faster than its first run, or no faster than a pass ago', () => {
    assert.equal(optimized(candidate(0, 'a', 1, 1.7)), true);
    assert.equal(optimized(candidate(0, 'a', 1, 1.5)), false); // a tile that spills: 1.5x its baseline
    assert.equal(optimized(candidate(0, 'a', 1, 1.5, 1.05)), true); // ... and it stopped improving
    assert.equal(optimized(candidate(0, 'a', 1, 1.5, 1.2)), false); // still improving
    assert.equal(optimized(candidate(0, 'a', Infinity, Infinity)), false); // never timed
  });

  it('the fastest wins, by 3 % over the default and 5 % for a mul+add tile, when the rematch agrees', () => {
    const def = candidate(0, '2x16:splat', 1.0);
    assert.equal(chooseTile([def, candidate(1, '4x8:splat', 0.95)], yes)?.name, '4x8:splat');
    assert.equal(chooseTile([def, candidate(1, '4x8:splat', 0.95)], no)?.name, '2x16:splat');
    assert.equal(chooseTile([def, candidate(1, '4x8:splat', 0.98)], yes)?.name, '2x16:splat');
    assert.equal(chooseTile([def, candidate(3, '2x16:splat:muladd', 0.96)], yes)?.name, '2x16:splat');
    assert.equal(chooseTile([def, candidate(3, '2x16:splat:muladd', 0.94)], yes)?.name, '2x16:splat:muladd');
    assert.equal(chooseTile([def, candidate(1, '4x8:splat', 0.9), candidate(2, '5x8:shuffle', 0.8)], yes)?.name, '5x8:shuffle');
    assert.equal(chooseTile([def, candidate(1, '4x8:splat', Infinity)], yes)?.name, '2x16:splat'); // not timed
  });

  it('a pass decides a kind once all its candidates ran optimized code; a challenger must win two passes in a row', () => {
    const make = (challenger: number, firstOfLast = 3) => {
      const candidates = [candidate(0, '2x16:splat', 1.0), candidate(1, '4x8:splat', challenger), candidate(2, '6x8:splat', 2.0, 2.0 * firstOfLast)];
      const result = { tiles: { gemm: '2x16:splat', conv: '4x8:splat', int8: 'i16' }, ms: 0, gemm: {}, conv: {}, int8: {}, passes: 0, passesMs: 0, settled: false };
      return { candidates, open: ['gemm'], result, pass: null } as Tuning;
    };
    let t = make(0.9);
    decide(t, false, yes);
    assert.deepEqual([t.open, t.result.tiles.gemm], [['gemm'], '2x16:splat']); // one win: not yet
    assert.ok(Math.abs(t.result.gemm['4x8:splat'] - 1e6 / 0.9 / 1e6) < 1e-9);
    decide(t, false, yes);
    assert.deepEqual([t.open, t.result.tiles.gemm], [[], '4x8:splat']);
    t = make(0.9);
    decide(t, false, no); // the rematch says no: the default, settled
    assert.deepEqual([t.open, t.result.tiles.gemm], [[], '2x16:splat']);
    t = make(0.9);
    decide(t, true, yes); // the last pass closes the kind, but one win does not switch
    assert.deepEqual([t.open, t.result.tiles.gemm], [[], '2x16:splat']);
    t = make(0.9);
    decide(t, false, yes);
    decide(t, true, yes); // ... two do
    assert.deepEqual([t.open, t.result.tiles.gemm], [[], '4x8:splat']);
    t = make(1.1);
    decide(t, false, yes); // the default wins: settled at once
    assert.deepEqual([t.open, t.result.tiles.gemm], [[], '2x16:splat']);
    t = make(0.9, 1.2); // 6x8 not seen optimized yet: the kind stays open, the tile as it was
    decide(t, false, yes);
    decide(t, false, yes);
    assert.deepEqual([t.open, t.result.tiles.gemm], [['gemm'], '2x16:splat']);
  });

  it('a default still running its baseline code is not replaced (it would look slow)', () => {
    const baseline = candidate(0, '5x8:shuffle', 1.0, 1.2);
    let asked = false;
    const chosen = chooseTile([baseline, candidate(2, '6x8:splat', 0.8)], () => { asked = true; return true; });
    assert.equal(chosen?.name, '5x8:shuffle');
    assert.equal(asked, false);
    // nor one that merely ran at the same speed in two passes (its optimized code may have come in neither)
    const stable = candidate(0, '5x8:shuffle', 1.0, 1.2, 1.02);
    assert.equal(optimized(stable), true);
    assert.equal(chooseTile([stable, candidate(2, '6x8:splat', 0.8)], () => true)?.name, '5x8:shuffle');
  });
});

describe('tiles chosen at load time', () => {
  it('ready() calibrates, the later passes settle it: backendInfo() names the tiles and each candidate\'s GFLOP/s', async () => {
    const settled = await lp.tilesSettled();
    const info = lp.backendInfo();
    assert.deepEqual(settled, info.tiles);
    assert.equal(info.calibration.settled, true);
    assert.ok(info.calibration.passes <= RETUNE_DELAYS_MS.length, `${info.calibration.passes} passes`);
    assert.ok(info.calibration.passes === 0 || info.calibration.passesMs > 0);
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

  it('the later passes: each times the open kinds in slices of its own, the last decides, and memory is as before', async () => {
    const before = lp.backendInfo().tiles;
    const build = lp.backendInfo().build;
    const names = tileNames(build);
    const result = { tiles: { ...before }, ms: 0, gemm: {}, conv: {}, int8: {}, passes: 0, passesMs: 0, settled: false };
    // candidates never timed yet (as when ready() ran out of time before their first run)
    const candidates = names.gemm.map((name, id) => candidate(id, name, Infinity, Infinity));
    const tuning: Tuning = { candidates, open: ['gemm'], result, pass: null };
    const x = lp.ones([1000, 64]); // what an app holds; then its peak is just that
    engine.k.arena_reset_peak();
    const bytes = lp.memory().numBytes;
    try {
      while (!result.settled) {
        const passes = result.passes;
        let slices = 0;
        do {
          retune(engine.k, build, tuning, 0); // slices of one sample each
          slices++;
          assert.equal(lp.memory().numBytes, bytes);
          assert.equal(lp.memory().peakBytes, bytes); // the blocks of a pass are not the app's peak
        } while (tuning.pass !== null);
        assert.equal(result.passes, passes + 1);
        assert.ok(slices >= candidates.length, `a pass of ${slices} slices times every candidate`);
        assert.ok(result.passes <= RETUNE_DELAYS_MS.length, `${result.passes} passes`);
        for (const c of candidates) assert.ok(Number.isFinite(c.first) && Number.isFinite(c.best), c.name); // every one timed
      }
      assert.deepEqual(tuning.open, []);
      assert.ok(names.gemm.includes(result.tiles.gemm), result.tiles.gemm);
      assert.deepEqual(Object.keys(result.gemm).sort(), [...names.gemm].sort());
      assert.equal(result.tiles.conv, before.conv); // not open: untouched
      const c = lp.matMul(lp.ones([7, 33]), lp.ones([33, 17]));
      assert.deepEqual([...c.dataSync()], new Array(7 * 17).fill(33));
      c.dispose();
    } finally {
      x.dispose();
      await lp.ready({ tiles: before });
    }
  });

  it('a calibration out of time before any candidate ran (a busy machine) returns, the defaults in use, every kind left to the later passes', async () => {
    const before = lp.backendInfo().tiles;
    const build = lp.backendInfo().build;
    const names = tileNames(build);
    try {
      const { calibration, tuning } = calibrate(engine.k, build, 0);
      assert.deepEqual(calibration.tiles, { gemm: names.gemm[0], conv: names.conv[0], int8: names.int8[0] });
      assert.equal(calibration.settled, false);
      assert.ok(tuning !== null && tuning.open.includes('gemm'));
      assert.ok(tuning.candidates.every((c) => !Number.isFinite(c.first)), 'no candidate ran');
    } finally {
      await lp.ready({ tiles: before });
    }
  });

  it('a fresh process: tilesSettled() keeps it alive for the later passes, which leave memory as it was; ready({tiles}) ends them', () => {
    const out = JSON.parse(runModule(`
      const lp = await import('./dist/core.js');
      await lp.ready();
      const x = lp.ones([100, 100]);
      const before = lp.memory(), atReady = lp.backendInfo().calibration;
      const tiles = await lp.tilesSettled();
      const info = lp.backendInfo(), after = lp.memory();
      console.log(JSON.stringify({ atReady, tiles, info, bytes: [before.numBytes, after.numBytes], peak: [before.peakBytes, after.peakBytes] }));`, wasmFlags()));
    assert.equal(out.info.calibration.settled, true);
    assert.deepEqual(out.tiles, out.info.tiles);
    assert.equal(out.bytes[0], out.bytes[1]);
    assert.equal(out.peak[0], out.peak[1]);
    if (!out.atReady.settled) assert.ok(out.info.calibration.passes >= 1);
    const names = tileNames(out.info.build);
    for (const name of Object.keys(out.info.calibration.gemm)) assert.ok(names.gemm.includes(name), name);

    const given = JSON.parse(runModule(`
      const lp = await import('./dist/core.js');
      await lp.ready();
      const pending = !lp.backendInfo().calibration.settled;
      const settled = lp.tilesSettled();
      await lp.ready({ tiles: 'default' });
      const tiles = await settled;
      await new Promise((r) => setTimeout(r, ${RETUNE_DELAYS_MS.reduce((a, b) => a + b, 0) + 100}));
      console.log(JSON.stringify({ pending, tiles, info: lp.backendInfo() }));`, wasmFlags()));
    const defaults = { gemm: names.gemm[0], conv: names.conv[0], int8: names.int8[0] };
    if (given.pending) assert.deepEqual(given.tiles, defaults); // the given tiles end the passes
    assert.deepEqual(given.info.tiles, defaults); // and no later pass changed them afterwards
    assert.equal(given.info.calibration.passes, 0);
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
