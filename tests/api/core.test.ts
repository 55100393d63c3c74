// The core of the public API (js-bindings/index.ts): loading, tensors, creation ops, data
// access, dispose, tidy/keep, memory(), out-of-memory recovery, matMul and fused.matMul.
// Run with --experimental-wasm-relaxed-simd (as tests/run-all.sh does): the relaxed build loads.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { engine } from '../../js-bindings/engine.js';
import { assertClose } from '../helpers/check.js';
import { randomArray, rng } from '../helpers/rng.js';
import { gemm_f32_ref } from '../ref/gemm_ref.js';
import { ACT } from '../ref/activation_ref.js';

/** The live-tensor and arena accounting an error must leave alone. */
function usage() {
  const m = lp.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, numBlocks: m.numBlocks };
}

/** fn throws an Error whose message matches `message`, and nothing was allocated or leaked. */
function throwsClean(fn: () => unknown, message: RegExp): void {
  const before = usage();
  assert.throws(fn, (e: unknown) => e instanceof Error && message.test(e.message) ||
    assert.fail(`expected ${message}, got ${(e as Error).message}`));
  assert.deepEqual(usage(), before, `memory changed after: ${message}`);
  assert.equal(engine.k.arena_check(), 0);
}

/** Runs fn and checks that it left no tensor or arena byte behind. */
function leakFree(fn: () => void): void {
  const before = usage();
  fn();
  assert.deepEqual(usage(), before);
}

const stats = (v: ArrayLike<number>) => {
  let s = 0, s2 = 0;
  for (let i = 0; i < v.length; i++) { s += v[i]; s2 += v[i] * v[i]; }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean) };
};

before(async () => {
  await lp.ready();
  lp.tidy(() => lp.ones([1])); // the first scoped block creates the arena's scope stack: not a leak
});

describe('ready and backendInfo', () => {
  it('loads the relaxed build when the runtime validates relaxed SIMD', async () => {
    assert.ok(process.execArgv.includes('--experimental-wasm-relaxed-simd'),
      'run this file with node --experimental-wasm-relaxed-simd');
    assert.equal(lp.relaxedSimdSupported(), true);
    const { tiles, calibration, ...loaded } = lp.backendInfo();
    assert.deepEqual(loaded, { simd: true, relaxedSimd: true, build: 'relaxed', full: true });
    assert.equal(typeof tiles.gemm, 'string');
    assert.ok(calibration.ms > 0);
    await lp.ready(); // idempotent
    const info = lp.backendInfo();
    info.build = 'simd';
    info.tiles.gemm = 'x';
    info.calibration.gemm['x'] = 1;
    assert.equal(lp.backendInfo().build, 'relaxed', 'backendInfo() returns a copy');
    assert.notEqual(lp.backendInfo().tiles.gemm, 'x');
    assert.equal(lp.backendInfo().calibration.gemm['x'], undefined);
    await assert.rejects(lp.ready({ build: 'simd' }), /ready\(\): the relaxed build is already loaded/);
    await lp.ready({ build: 'relaxed' });
  });
});

describe('tensor', () => {
  it('infers shapes from nested arrays', () => {
    leakFree(() => {
      const t = lp.tensor([[1, 2, 3], [4, 5, 6]]);
      assert.deepEqual(t.shape, [2, 3]);
      assert.equal(t.dtype, 'float32');
      assert.deepEqual(t.arraySync(), [[1, 2, 3], [4, 5, 6]]);
      const u = lp.tensor([[[1], [2]], [[3], [true]]] as never, undefined, 'int32');
      assert.deepEqual(u.shape, [2, 2, 1]);
      assert.deepEqual(Array.from(u.dataSync()), [1, 2, 3, 1]);
      assert.ok(u.dataSync() instanceof Int32Array);
      const e = lp.tensor([]);
      assert.deepEqual(e.shape, [0]);
      assert.equal(e.size, 0);
      lp.dispose([t, u, e]);
    });
  });

  it('takes flat arrays, typed arrays and scalars', () => {
    leakFree(() => {
      const a = lp.tensor([1, 2, 3, 4], [2, 2]);
      assert.deepEqual(a.arraySync(), [[1, 2], [3, 4]]);
      const f = lp.tensor(new Float32Array([0.5, -1.5, NaN]));
      assert.deepEqual(f.shape, [3]);
      assert.ok(Number.isNaN(f.dataSync()[2]));
      const i = lp.tensor(new Int32Array([7, -8, 9, 10, 11, 12]), [3, 2]);
      assert.equal(i.dtype, 'int32');
      assert.deepEqual(i.arraySync(), [[7, -8], [9, 10], [11, 12]]);
      const u8 = lp.tensor(new Uint8Array([255, 1]));
      assert.equal(u8.dtype, 'float32');
      assert.deepEqual(Array.from(u8.dataSync()), [255, 1]);
      const s = lp.tensor(3.5);
      assert.deepEqual(s.shape, []);
      assert.equal(s.rank, 0);
      assert.equal(s.arraySync(), 3.5);
      const si = lp.scalar(-4, 'int32');
      assert.equal(si.dtype, 'int32');
      assert.equal(si.arraySync(), -4);
      lp.dispose([a, f, i, u8, s, si]);
    });
  });

  it('rejects ragged arrays, size mismatches, bad dtypes and bad values, allocating nothing', () => {
    throwsClean(() => lp.tensor([[1, 2], [3]]), /^tensor: ragged nested array/);
    throwsClean(() => lp.tensor([[1, 2, 3], [4, 5, 6, 7], [8, 9]]), /^tensor: ragged nested array: expected shape \[3,3\]/);
    throwsClean(() => lp.tensor([[1, 2], [3, [4]]] as never), /^tensor: ragged nested array/);
    throwsClean(() => lp.tensor([1, [2, 3]] as never), /^tensor: ragged nested array/);
    throwsClean(() => lp.tensor([1, 2, 3], [2, 2]), /^tensor: shape \[2,2\] needs 4 values, got 3/);
    throwsClean(() => lp.tensor(new Float32Array(6), [4, 2]), /^tensor: shape \[4,2\] needs 8 values, got 6/);
    throwsClean(() => lp.tensor([1, 2], [2], 'float64' as never), /^tensor: dtype must be 'float32' or 'int32', got 'float64'/);
    throwsClean(() => lp.tensor(['a', 'b'] as never), /^tensor: values must be numbers/);
    throwsClean(() => lp.tensor('abc' as never), /^tensor: values must be a number, an array or a typed array/);
    throwsClean(() => lp.tensor([1, 2, 3, 4], [2, -2] as never), /^tensor: shape \[2,-2\] needs -4 values/);
    throwsClean(() => lp.tensor([1, 2], [2.5, 0.8]), /^tensor: invalid shape \[2.5,0.8\]/);
  });
});

describe('creation ops', () => {
  it('zeros, ones, fill, zerosLike, onesLike', () => {
    leakFree(() => {
      const z = lp.zeros([2, 3]), o = lp.ones([4], 'int32'), f = lp.fill([3, 1, 2], -2.25);
      assert.deepEqual(z.arraySync(), [[0, 0, 0], [0, 0, 0]]);
      assert.deepEqual(Array.from(o.dataSync()), [1, 1, 1, 1]);
      assert.equal(o.dtype, 'int32');
      assert.deepEqual(Array.from(f.dataSync()), Array(6).fill(-2.25));
      const n = lp.fill([5], NaN);
      assert.ok(Array.from(n.dataSync()).every(Number.isNaN));
      const zl = lp.zerosLike(f), ol = lp.onesLike(o);
      assert.deepEqual(zl.shape, [3, 1, 2]);
      assert.deepEqual(Array.from(zl.dataSync()), Array(6).fill(0));
      assert.equal(ol.dtype, 'int32');
      const s = lp.zeros([]);
      assert.deepEqual(s.arraySync(), 0);
      lp.dispose([z, o, f, n, zl, ol, s]);
    });
    throwsClean(() => lp.zeros([2, -1]), /^zeros: invalid shape \[2,-1\]/);
    throwsClean(() => lp.ones([1.5]), /^ones: invalid shape/);
    throwsClean(() => lp.fill([2], 1, 'bool' as never), /^fill: dtype must be/);
    throwsClean(() => lp.zeros(3 as never), /^zeros: shape must be an array/);
  });

  it('randomUniform: seeded, in range, uniform', () => {
    leakFree(() => {
      const a = lp.randomUniform([10000], -2, 3, 'float32', 42);
      const b = lp.randomUniform([10000], -2, 3, 'float32', 42);
      const c = lp.randomUniform([10000], -2, 3, 'float32', 43);
      const va = a.dataSync();
      assert.deepEqual(va, b.dataSync(), 'same seed, same values');
      assert.notDeepEqual(va, c.dataSync(), 'another seed, other values');
      assert.ok(va.every((v) => v >= -2 && v < 3));
      const { mean, std } = stats(va);
      assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`); // standard error 0.014
      assert.ok(Math.abs(std - 5 / Math.sqrt(12)) < 0.05, `std ${std}`);
      lp.dispose([a, b, c]);
      const d = lp.randomUniform([8]), e = lp.randomUniform([8]);
      assert.notDeepEqual(d.dataSync(), e.dataSync(), 'unseeded calls differ');
      lp.dispose([d, e]);
    });
    throwsClean(() => lp.randomUniform([4], 1, 1), /^randomUniform: need minval < maxval/);
    throwsClean(() => lp.randomUniform([4], 0, 1, 'int32'), /^randomUniform: only float32/);
    throwsClean(() => lp.randomUniform([4], 0, 1, 'float32', NaN), /^randomUniform: seed must be a finite number/);
    throwsClean(() => lp.randomUniform([-4]), /^randomUniform: invalid shape/);
  });

  it('randomNormal and truncatedNormal: seeded, right moments, truncated at 2 std', () => {
    leakFree(() => {
      const a = lp.randomNormal([20000], 2, 3, 'float32', 7);
      const b = lp.randomNormal([20000], 2, 3, 'float32', 7);
      assert.deepEqual(a.dataSync(), b.dataSync());
      const s = stats(a.dataSync());
      assert.ok(Math.abs(s.mean - 2) < 0.1, `mean ${s.mean}`); // standard error 0.021
      assert.ok(Math.abs(s.std - 3) < 0.1, `std ${s.std}`);
      const t = lp.truncatedNormal([20000], -1, 0.5, 'float32', 7);
      const vt = t.dataSync();
      assert.ok(vt.every((v) => Math.abs(v + 1) <= 1 + 1e-6), 'within 2 std of the mean');
      const st = stats(vt);
      assert.ok(Math.abs(st.mean + 1) < 0.02, `mean ${st.mean}`);
      assert.ok(Math.abs(st.std - 0.5 * 0.8796) < 0.02, `std ${st.std}`); // std of N(0,1) cut at ±2
      lp.dispose([a, b, t]);
    });
    throwsClean(() => lp.randomNormal([4], 0, -1), /^randomNormal: stdDev must be >= 0/);
    throwsClean(() => lp.truncatedNormal([4], 0, 1, 'int32'), /^truncatedNormal: only float32/);
    throwsClean(() => lp.truncatedNormal([4], 0, 1, 'float32', Infinity), /^truncatedNormal: seed must be a finite number/);
  });

  it('reshape and clone copy the values', () => {
    leakFree(() => {
      const x = lp.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const r = lp.reshape(x, [3, -1]);
      assert.deepEqual(r.shape, [3, 2]);
      assert.deepEqual(r.arraySync(), [[1, 2], [3, 4], [5, 6]]);
      const c = lp.clone(x);
      x.dispose();
      assert.deepEqual(c.arraySync(), [[1, 2, 3], [4, 5, 6]], 'the clone outlives the original');
      const i = lp.tidy(() => lp.clone(lp.reshape(lp.tensor(new Int32Array([1, 2])), [1, 2])));
      assert.equal(i.dtype, 'int32');
      throwsClean(() => lp.reshape(c, [4, 2]), /^reshape: cannot reshape \[2,3\] \(6 values\) into \[4,2\]/);
      throwsClean(() => lp.reshape(c, [-1, -1]), /^reshape: invalid shape \[-1,-1\]/);
      throwsClean(() => lp.reshape(c, [-1, 4]), /^reshape: cannot reshape/);
      throwsClean(() => lp.clone({} as never), /^clone: 'x' must be a Tensor/);
      lp.dispose([r, c, i]);
    });
  });
});

describe('data access and dispose', () => {
  it('dataSync, data, arraySync and array return copies', async () => {
    const x = lp.tensor([[1, 2], [3, 4]]);
    const d = x.dataSync();
    d[0] = 100;
    assert.equal(x.dataSync()[0], 1, 'dataSync returns a copy');
    assert.deepEqual(await x.data(), new Float32Array([1, 2, 3, 4]));
    assert.deepEqual(await x.array(), [[1, 2], [3, 4]]);
    const e = lp.tensor(new Int32Array(0), [2, 0]);
    assert.deepEqual(e.arraySync(), [[], []]);
    lp.dispose([x, e]);
  });

  it('dispose is idempotent; a disposed tensor throws naming the op', async () => {
    const before = usage();
    const x = lp.ones([2, 2]);
    x.dispose();
    x.dispose();
    lp.dispose([x, { y: x }]);
    assert.deepEqual(usage(), before);
    assert.equal(x.isDisposed, true);
    throwsClean(() => x.dataSync(), /^dataSync: tensor \d+ \[2,2\] is disposed/);
    throwsClean(() => x.arraySync(), /^dataSync: .* is disposed/);
    throwsClean(() => lp.matMul(x, x), /^matMul: tensor \d+ \[2,2\] is disposed/);
    throwsClean(() => lp.clone(x), /^clone: .* is disposed/);
    throwsClean(() => lp.reshape(x, [4]), /^reshape: .* is disposed/);
    throwsClean(() => lp.zerosLike(x), /^zerosLike: .* is disposed/);
    await assert.rejects(x.data(), /^Error: dataSync: .* is disposed/);
  });
});

describe('tidy and keep', () => {
  it('frees everything but the results, which may sit in arrays and objects', () => {
    const outside = lp.ones([3]);
    const before = usage();
    const r = lp.tidy(() => {
      const a = lp.ones([4]), b = lp.zeros([5]);
      lp.clone(outside);
      return { a, list: [b, 7, 'text'], deep: { x: { y: { z: { w: { v: [lp.fill([2], 9)] } } } } } };
    });
    assert.equal(usage().numTensors, before.numTensors + 3);
    assert.ok(!outside.isDisposed, 'a tensor from outside is not touched');
    assert.deepEqual(Array.from(r.a.dataSync()), [1, 1, 1, 1]);
    assert.equal((r.list[0] as lp.Tensor).size, 5);
    assert.deepEqual(Array.from(r.deep.x.y.z.w.v[0].dataSync()), [9, 9], 'deeply nested results are kept');
    lp.dispose(r);
    assert.deepEqual(usage(), before);
    outside.dispose();
  });

  it('nests: an inner result lives until the outer scope ends', () => {
    const before = usage();
    let inner: lp.Tensor | undefined;
    const outer = lp.tidy('outer', () => {
      inner = lp.tidy(() => {
        lp.ones([10]);
        return lp.fill([2], 3);
      });
      assert.ok(!inner.isDisposed);
      const kept = lp.tidy(() => [lp.ones([1])]);
      return kept[0];
    });
    assert.ok(inner!.isDisposed, 'not returned from the outer tidy: disposed there');
    assert.ok(!outer.isDisposed);
    outer.dispose();
    assert.deepEqual(usage(), before);
  });

  it('keep() saves a tensor from every enclosing tidy', () => {
    const before = usage();
    let a: lp.Tensor | undefined, b: lp.Tensor | undefined;
    lp.tidy(() => {
      a = lp.keep(lp.ones([3]));
      b = lp.ones([4]);
      lp.tidy(() => { lp.keep(b!); lp.zeros([2]); });
      lp.zeros([2]);
    });
    assert.ok(!a!.isDisposed && !b!.isDisposed);
    assert.deepEqual(Array.from(b!.dataSync()), [1, 1, 1, 1]);
    a!.dispose();
    b!.dispose();
    assert.deepEqual(usage(), before);
  });

  it('cleans up and rethrows when fn throws; refuses async functions', () => {
    const before = usage();
    assert.throws(() => lp.tidy(() => {
      lp.ones([100]);
      lp.tidy(() => { lp.zeros([3]); throw new Error('boom'); });
    }), /^Error: boom$/);
    assert.deepEqual(usage(), before);
    assert.throws(() => lp.tidy((async () => lp.ones([2])) as never), /^Error: tidy: cannot return a Promise/);
    assert.deepEqual(usage(), before);
    // A disposed tensor inside tidy is not freed twice.
    lp.tidy(() => { lp.ones([2]).dispose(); });
    assert.deepEqual(usage(), before);
    assert.equal(engine.k.arena_check(), 0);
  });
});

describe('memory', () => {
  it('stays flat over 1000 tidy()d matMuls', () => {
    const a = lp.randomNormal([24, 40], 0, 1, 'float32', 1), b = lp.randomNormal([40, 24], 0, 1, 'float32', 2);
    const bias = lp.ones([24]);
    const step = () => lp.tidy(() => {
      const y = lp.fused.matMul({ a, b, bias, activation: 'relu' });
      lp.matMul(y, b, false, true).dataSync();
    });
    for (let i = 0; i < 5; i++) step(); // warm-up: the scope stack, memory growth
    const m0 = lp.memory();
    for (let i = 0; i < 1000; i++) step();
    const m1 = lp.memory();
    assert.equal(m1.numTensors, m0.numTensors);
    assert.equal(m1.numBytes, m0.numBytes);
    assert.equal(m1.numBlocks, m0.numBlocks);
    assert.equal(m1.wasmMemoryBytes, m0.wasmMemoryBytes);
    assert.equal(m1.peakBytes, m0.peakBytes, 'no step needs more than the warm-up did');
    lp.dispose([a, b, bias]);
  });

  it('out of memory: a clear Error, nothing leaked, usable once the limit is lifted', () => {
    const before = usage();
    const wasm = lp.memory().wasmMemoryBytes;
    lp.setMemoryLimit(wasm);
    try {
      throwsClean(() => lp.zeros([1 << 28]), /^zeros: out of memory: requested 1073741824 bytes/);
      throwsClean(() => lp.tidy(() => { lp.ones([10]); return lp.ones([1 << 28]); }), /^ones: out of memory/);
      throwsClean(() => lp.zeros([1 << 20, 1 << 20]), /^zeros: out of memory: requested 4398046511104 bytes/);
      assert.equal(lp.memory().wasmMemoryBytes, wasm, 'memory did not grow');
    } finally {
      lp.setMemoryLimit(0);
    }
    // Scratch: the output (512 KiB) fits under the limit, the kernel's packing buffer (4 MiB of B
    // panels; 32 rows are past the small-M path, which packs nothing) does not.
    const a = lp.ones([32, 256]), b = lp.ones([256, 4096]);
    lp.setMemoryLimit(engine.k.arena_heap_end() + (1 << 20));
    try {
      throwsClean(() => lp.matMul(a, b), /^matMul: out of memory/);
    } finally {
      lp.setMemoryLimit(0);
    }
    const c = lp.matMul(a, b);
    assert.ok(c.dataSync().every((v) => v === 256), 'usable afterwards');
    lp.dispose([a, b, c]);
    assert.deepEqual(usage(), before);
    assert.throws(() => lp.setMemoryLimit(-1), /^Error: setMemoryLimit: expected a byte count/);
    assert.throws(() => lp.setMemoryLimit(2 ** 32), /^Error: setMemoryLimit/);
  });
});

describe('matMul and fused.matMul', () => {
  const rand = rng(99);
  const cases = [
    { m: 1, n: 1, k: 1 }, { m: 3, n: 7, k: 17 }, { m: 33, n: 9, k: 65, tA: true },
    { m: 8, n: 16, k: 5, tB: true }, { m: 17, n: 33, k: 3, tA: true, tB: true }, { m: 5, n: 6, k: 0 },
  ];
  for (const { m, n, k, tA = false, tB = false } of cases) {
    it(`matMul ${m}x${k} · ${k}x${n} tA=${tA} tB=${tB}`, () => {
      const av = randomArray(rand, m * k), bv = randomArray(rand, k * n);
      leakFree(() => {
        const a = lp.tensor(av, tA ? [k, m] : [m, k]), b = lp.tensor(bv, tB ? [n, k] : [k, n]);
        const c = lp.matMul(a, b, tA, tB);
        assert.deepEqual(c.shape, [m, n]);
        assertClose(c.dataSync(), gemm_f32_ref(av, bv, null, m, n, k, tA, tB), { atol: 1e-5 * Math.sqrt(k + 1), rtol: 1e-4 });
        lp.dispose([a, b, c]);
      });
    });
  }

  it('batched matMul (rank 3 and 4)', () => {
    leakFree(() => {
      const [B, m, n, k] = [3, 5, 6, 7];
      const av = randomArray(rand, B * m * k), bv = randomArray(rand, B * k * n);
      const c = lp.tidy(() => lp.matMul(lp.tensor(av, [B, m, k]), lp.tensor(bv, [B, k, n])));
      assert.deepEqual(c.shape, [B, m, n]);
      const got = c.dataSync();
      for (let i = 0; i < B; i++) {
        const want = gemm_f32_ref(av.subarray(i * m * k, (i + 1) * m * k), bv.subarray(i * k * n, (i + 1) * k * n),
          null, m, n, k, false, false);
        assertClose(got.subarray(i * m * n, (i + 1) * m * n), want, { atol: 1e-5, rtol: 1e-4 }, `batch ${i}`);
      }
      const d = lp.tidy(() => lp.matMul(lp.ones([2, 1, 2, 3]), lp.ones([2, 1, 3, 2])));
      assert.deepEqual(d.shape, [2, 1, 2, 2]);
      assert.ok(d.dataSync().every((v) => v === 3));
      lp.dispose([c, d]);
    });
  });

  for (const [name, act] of Object.entries(ACT)) {
    it(`fused.matMul with bias and ${name}`, () => {
      const [m, n, k] = [9, 11, 13];
      const av = randomArray(rand, m * k, -2, 2), bv = randomArray(rand, k * n), biasv = randomArray(rand, n);
      leakFree(() => {
        const alpha = name === 'elu' ? 1 : 0.2;
        const y = lp.tidy(() => lp.fused.matMul({ a: lp.tensor(av, [m, k]), b: lp.tensor(bv, [k, n]),
          bias: lp.tensor(biasv), activation: name as lp.Activation }));
        // A tanh-form GELU differs from the erf reference by up to ~5e-4.
        const atol = name === 'gelu' ? 1e-3 : 1e-5;
        assertClose(y.dataSync(), gemm_f32_ref(av, bv, biasv, m, n, k, false, false, act, alpha),
          { atol, rtol: 1e-4 }, name);
        y.dispose();
      });
    });
  }

  it('fused.matMul: leakyreluAlpha, transposes, no bias', () => {
    const [m, n, k] = [4, 8, 6];
    const av = randomArray(rand, m * k), bv = randomArray(rand, k * n);
    leakFree(() => {
      const y = lp.tidy(() => lp.fused.matMul({ a: lp.tensor(av, [k, m]), b: lp.tensor(bv, [n, k]),
        transposeA: true, transposeB: true, activation: 'leakyrelu', leakyreluAlpha: 0.05 }));
      assertClose(y.dataSync(), gemm_f32_ref(av, bv, null, m, n, k, true, true, ACT.leakyrelu, 0.05), { atol: 1e-5, rtol: 1e-4 });
      y.dispose();
    });
  });

  it('rejects bad ranks, shapes, dtypes, biases and activations, allocating nothing', () => {
    const t = {
      v3: lp.ones([3]), m23: lp.ones([2, 3]), m34: lp.ones([3, 4]), m24: lp.ones([2, 4]),
      b223: lp.ones([2, 2, 3]), b234: lp.ones([2, 3, 4]), b334: lp.ones([3, 3, 4]), i23: lp.ones([2, 3], 'int32'),
      bias3: lp.ones([3]), bias4: lp.ones([4]), bias14: lp.ones([1, 4]), ibias4: lp.ones([4], 'int32'),
    };
    throwsClean(() => lp.matMul(t.v3, t.m34), /^matMul: a and b must have the same rank >= 2, got \[3\] and \[3,4\]/);
    throwsClean(() => lp.matMul(t.m23, t.b234), /^matMul: a and b must have the same rank >= 2, got \[2,3\] and \[2,3,4\]/);
    throwsClean(() => lp.matMul(t.m23, t.m24), /^matMul: inner dimensions of a \[2,3\] and b \[2,4\] must match .*: 3 != 2/);
    throwsClean(() => lp.matMul(t.m23, t.m34, true), /^matMul: inner dimensions .*transposeA=true.*: 2 != 3/);
    throwsClean(() => lp.matMul(t.b223, t.b334), /^matMul: batch dimensions of a \[2,2,3\] and b \[3,3,4\] differ/);
    throwsClean(() => lp.matMul(t.i23, t.m34), /^matMul: 'a' must be float32, got int32 \[2,3\]/);
    throwsClean(() => lp.matMul(t.m23, [[1]] as never), /^matMul: 'b' must be a Tensor/);
    throwsClean(() => lp.fused.matMul({ a: t.m23, b: t.m34, bias: t.bias3 }), /^fused\.matMul: bias must have shape \[4\], got \[3\]/);
    throwsClean(() => lp.fused.matMul({ a: t.m23, b: t.m34, bias: t.ibias4 }), /^fused\.matMul: 'bias' must be float32/);
    throwsClean(() => lp.fused.matMul({ a: t.m23, b: t.m34, activation: 'swish' as never }), /^fused\.matMul: unknown activation 'swish'/);
    throwsClean(() => lp.fused.matMul({ a: t.m23, b: t.m34, activation: 'constructor' as never }), /^fused\.matMul: unknown activation 'constructor'/);
    throwsClean(() => lp.fused.matMul({ a: t.m23, b: t.m24 }), /^fused\.matMul: inner dimensions/);
    const ok = lp.fused.matMul({ a: t.m23, b: t.m34, bias: t.bias14, activation: 'relu' });
    assert.ok(ok.dataSync().every((v) => v === 4), 'bias [1,4] is accepted');
    ok.dispose();
    lp.dispose(t);
  });
});
