// The tape through the public API: every differentiable op's gradient rule against finite
// differences (tests/helpers/grad_check.ts), the grad functions' semantics and errors, and that
// gradient computations leave no memory behind.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { checkGrads, distinct, values } from '../helpers/grad_check.js';
import { expectError, noLeak } from '../helpers/api.js';

before(async () => { await lp.ready(); });

const inp = (shape: number[], seed: number, lo = -1, hi = 1, avoid: number[] = []) =>
  ({ values: values(shape.reduce((a, b) => a * b, 1), seed, lo, hi, avoid), shape });

describe('gradient rules: unary ops', () => {
  const cases: [string, (x: lp.Tensor) => lp.Tensor, number, number, number[]][] = [
    ['relu', lp.relu, -1, 1, [0]],
    ['relu6', lp.relu6, -2, 8, [0, 6]],
    ['leakyRelu', (x) => lp.leakyRelu(x, 0.1), -1, 1, [0]],
    ['elu', lp.elu, -2, 2, [0]],
    ['sigmoid', lp.sigmoid, -3, 3, []],
    ['tanh', lp.tanh, -2, 2, []],
    ['gelu', lp.gelu, -3, 3, []],
    ['erf', lp.erf, -2, 2, []],
    ['exp', lp.exp, -2, 2, []],
    ['log', lp.log, 0.2, 3, []],
    ['sqrt', lp.sqrt, 0.2, 3, []],
    ['abs', lp.abs, -1, 1, [0]],
    ['neg', lp.neg, -1, 1, []],
    ['square', lp.square, -2, 2, []],
    ['clipByValue', (x) => lp.clipByValue(x, -0.5, 0.4), -1, 1, [-0.5, 0.4]],
  ];
  for (const [name, f, lo, hi, avoid] of cases) {
    it(name, () => { checkGrads({ f, inputs: [inp([3, 7], name.length, lo, hi, avoid)] }); });
  }
});

describe('gradient rules: binary ops with broadcasting', () => {
  const ops: [string, (a: lp.Tensor, b: lp.Tensor) => lp.Tensor, number][] = [
    ['add', lp.add, -1], ['sub', lp.sub, -1], ['mul', lp.mul, -1], ['div', lp.div, 0.5],
    ['maximum', lp.maximum, -1], ['minimum', lp.minimum, -1],
  ];
  const shapes: [number[], number[]][] = [[[3, 4], [3, 4]], [[2, 3, 4], [4]], [[3, 1], [1, 5]], [[2, 3, 4], [2, 1, 4]], [[5], []]];
  for (const [name, f, lo] of ops) {
    for (const [sa, sb] of shapes) {
      it(`${name} [${sa}] with [${sb}]`, () => {
        // maximum/minimum: distinct values so no tie sits within eps.
        const a = name === 'maximum' || name === 'minimum'
          ? { values: distinct(sa.reduce((x, y) => x * y, 1), 3, -1, 1), shape: sa } : inp(sa, 3, lo, 2);
        const b = name === 'maximum' || name === 'minimum'
          ? { values: distinct(sb.reduce((x, y) => x * y, 1), 4, -0.97, 1.03), shape: sb } : inp(sb, 4, lo, 2);
        checkGrads({ f, inputs: [a, b] });
      });
    }
  }
  it('a number operand gets no gradient but scales the other', () => {
    checkGrads({ f: (x) => lp.mul(lp.div(x, 4), 3), inputs: [inp([6], 9)] });
  });
});

describe('gradient rules: reductions and softmax', () => {
  for (const [name, f] of [['sum', lp.sum], ['mean', lp.mean]] as const) {
    for (const axis of [undefined, 0, 1, [0, 2], -1]) {
      for (const keepDims of [false, true]) {
        it(`${name} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, () => {
          checkGrads({ f: (x) => f(x, axis, keepDims), inputs: [inp([2, 3, 4], 5)] });
        });
      }
    }
  }
  for (const [name, f] of [['max', lp.max], ['min', lp.min]] as const) {
    for (const axis of [undefined, 1, [0, 2]]) {
      it(`${name} axis ${JSON.stringify(axis)}`, () => {
        checkGrads({ f: (x) => f(x, axis), inputs: [{ values: distinct(24, 6), shape: [2, 3, 4] }] });
      });
    }
  }
  it('max with ties sends the gradient to every tied element (TF.js)', () => {
    const g = lp.tidy(() => lp.grad((x) => lp.max(x))(lp.tensor([1, 3, 3, 2])).dataSync());
    assert.deepEqual(Array.from(g), [0, 1, 1, 0]);
  });
  for (const dim of [-1, 0, 1]) {
    it(`softmax dim ${dim}`, () => { checkGrads({ f: (x) => lp.softmax(x, dim), inputs: [inp([3, 5], 7, -2, 2)] }); });
    it(`logSoftmax axis ${dim}`, () => { checkGrads({ f: (x) => lp.logSoftmax(x, dim), inputs: [inp([3, 5], 8, -2, 2)] }); });
  }
});

describe('gradient rules: matMul', () => {
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      it(`matMul transposeA ${tA} transposeB ${tB}`, () => {
        const a = tA ? [5, 3] : [3, 5], b = tB ? [4, 5] : [5, 4];
        checkGrads({ f: (x, y) => lp.matMul(x, y, tA, tB), inputs: [inp(a, 10), inp(b, 11)] });
      });
    }
  }
  it('batched matMul', () => {
    checkGrads({ f: (x, y) => lp.matMul(x, y, false, true), inputs: [inp([2, 3, 4], 12), inp([2, 5, 4], 13)] });
  });
  for (const activation of ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'leakyrelu', 'gelu'] as const) {
    it(`fused.matMul with bias and ${activation}`, () => {
      checkGrads({
        f: (x, w, b) => lp.fused.matMul({ a: x, b: w, bias: b, activation }),
        // Inputs kept small enough that relu6's clamp at 6 is not reached; kinks avoided by the data.
        inputs: [inp([4, 3], 20), inp([3, 5], 21), inp([5], 22, 0.1, 0.5)],
      });
    });
  }
});

describe('gradient rules: convolution and pooling', () => {
  const geometries: { s: number; pad: 'same' | 'valid'; d: number }[] = [
    { s: 1, pad: 'valid', d: 1 }, { s: 2, pad: 'same', d: 1 }, { s: 1, pad: 'same', d: 2 },
  ];
  for (const { s, pad, d } of geometries) {
    it(`conv2d strides ${s} pad ${pad} dilation ${d}`, () => {
      checkGrads({ f: (x, f) => lp.conv2d(x, f, s, pad, 'NHWC', d), inputs: [inp([2, 5, 6, 3], 30), inp([3, 3, 3, 2], 31)] });
    });
    it(`depthwiseConv2d strides ${s} pad ${pad} dilation ${d}`, () => {
      checkGrads({ f: (x, f) => lp.depthwiseConv2d(x, f, s, pad, 'NHWC', d), inputs: [inp([1, 5, 6, 3], 32), inp([3, 3, 3, 2], 33)] });
    });
  }
  it('fused.conv2d with bias and relu', () => {
    checkGrads({
      f: (x, f, b) => lp.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias: b, activation: 'relu' }),
      inputs: [inp([1, 4, 4, 2], 34), inp([3, 3, 2, 3], 35), inp([3], 36, 0.05, 0.3)],
    });
  });
  it('fused.depthwiseConv2d with bias and gelu (unfused on the tape)', () => {
    checkGrads({
      f: (x, f, b) => lp.fused.depthwiseConv2d({ x, filter: f, strides: 1, pad: 'valid', bias: b, activation: 'gelu' }),
      inputs: [inp([1, 4, 5, 2], 37), inp([2, 2, 2, 1], 38), inp([2], 39)],
    });
  });
  for (const [name, f] of [['maxPool', lp.maxPool], ['avgPool', lp.avgPool]] as const) {
    for (const [k, s, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'valid']] as const) {
      it(`${name} ${k}x${k} stride ${s} ${pad}`, () => {
        checkGrads({ f: (x) => f(x, k, s, pad), inputs: [{ values: distinct(2 * 5 * 5 * 2, 40 + k), shape: [2, 5, 5, 2] }] });
      });
    }
  }
  it('globalAveragePool2d', () => { checkGrads({ f: lp.globalAveragePool2d, inputs: [inp([2, 3, 4, 3], 45)] }); });
});

describe('gradient rules: layout ops', () => {
  it('reshape, transpose, expandDims, squeeze', () => {
    checkGrads({ f: (x) => lp.squeeze(lp.expandDims(lp.transpose(lp.reshape(x, [3, 2, 4]), [2, 0, 1]), 1)), inputs: [inp([6, 4], 50)] });
  });
  it('slice', () => { checkGrads({ f: (x) => lp.slice(x, [1, 0, 2], [2, -1, 2]), inputs: [inp([3, 2, 5], 51)] }); });
  it('concat along each axis', () => {
    for (const axis of [0, 1]) checkGrads({ f: (a, b) => lp.concat([a, b, a], axis), inputs: [inp([2, 3], 52), inp([2, 3], 53)] });
  });
  it('stack and unstack', () => {
    checkGrads({ f: (a, b) => lp.mul(lp.stack([a, b], 1), 2), inputs: [inp([2, 3], 54), inp([2, 3], 55)] });
    checkGrads({ f: (x) => { const [p, q] = lp.unstack(x, 1); return lp.sub(p, lp.mul(q, 3)); }, inputs: [inp([3, 2], 56)] });
  });
  it('pad', () => { checkGrads({ f: (x) => lp.pad(x, [[1, 0], [2, 1]], 0.5), inputs: [inp([2, 3], 57)] }); });
  it('gather with repeated indices adds up', () => {
    const idx = lp.tensor([2, 0, 2, 1], [4], 'int32');
    checkGrads({ f: (x) => lp.gather(x, idx, 0), inputs: [inp([3, 2], 58)] });
    checkGrads({ f: (x) => lp.gather(x, idx, 1), inputs: [inp([2, 3], 59)] });
    idx.dispose();
  });
  it('broadcastTo', () => { checkGrads({ f: (x) => lp.broadcastTo(x, [2, 3, 4]), inputs: [inp([3, 1], 60)] }); });
  it('clone passes the gradient through', () => { checkGrads({ f: (x) => lp.mul(lp.clone(x), x), inputs: [inp([5], 61)] }); });
});

describe('gradient rules: normalization, dropout, cross-entropy', () => {
  it('batchNorm (inference form), every input', () => {
    checkGrads({
      f: (x, m, v, o, s) => lp.batchNorm(x, m, v, o, s, 1e-3),
      inputs: [inp([4, 3], 70), inp([3], 71), inp([3], 72, 0.5, 2), inp([3], 73), inp([3], 74)],
    });
  });
  it('dropout: the gradient is the mask (same seed, same mask)', () => {
    const [g] = checkGrads({ f: (x) => lp.dropout(x, 0.4, undefined, 7), inputs: [inp([50], 75)] });
    const kept = lp.tidy(() => lp.dropout(lp.ones([50]), 0.4, undefined, 7).dataSync());
    g.forEach((v, i) => assert.ok(v === 0 ? kept[i] === 0 : kept[i] > 0, `element ${i}`));
  });
});

describe('grad functions', () => {
  it('grad, grads, valueAndGrad, valueAndGrads agree with known derivatives', () => {
    lp.tidy(() => {
      const x = lp.tensor([1, 2, 3]);
      // f(x) = Σ x³ → 3x²
      const f = (t: lp.Tensor) => lp.sum(lp.mul(lp.square(t), t));
      assert.deepEqual(Array.from(lp.grad(f)(x).dataSync()), [3, 12, 27]);
      const { value, grad } = lp.valueAndGrad(f)(x);
      assert.equal(value.dataSync()[0], 36);
      assert.deepEqual(Array.from(grad.dataSync()), [3, 12, 27]);
      const g = (a: lp.Tensor, b: lp.Tensor) => lp.sum(lp.mul(a, b));
      const [da, db] = lp.grads(g)([x, lp.tensor([4, 5, 6])]);
      assert.deepEqual(Array.from(da.dataSync()), [4, 5, 6]);
      assert.deepEqual(Array.from(db.dataSync()), [1, 2, 3]);
      const vg = lp.valueAndGrads(g)([x, x]);
      assert.equal(vg.value.dataSync()[0], 14);
      assert.deepEqual(Array.from(vg.grads[0].dataSync()), [2, 4, 6]); // x used twice: the gradients add
    });
  });
  it('grad with dy seeds a non-scalar function', () => {
    lp.tidy(() => {
      const g = lp.grad((t) => lp.mul(t, 3))(lp.tensor([1, 2]), lp.tensor([10, 100]));
      assert.deepEqual(Array.from(g.dataSync()), [30, 300]);
    });
  });
  it('variableGrads: trainable variables by name; frozen ones and unused ones get none', () => {
    const w = lp.tidy(() => lp.variable(lp.tensor([1, 2]), true, 'vg_w'));
    const frozen = lp.tidy(() => lp.variable(lp.tensor([5]), false, 'vg_frozen'));
    const unused = lp.tidy(() => lp.variable(lp.tensor([7]), true, 'vg_unused'));
    try {
      lp.tidy(() => {
        const { value, grads } = lp.variableGrads(() => lp.sum(lp.mul(lp.square(w), frozen)), [w, frozen, unused]);
        assert.equal(value.dataSync()[0], 25);
        assert.deepEqual(Object.keys(grads), ['vg_w']);
        assert.deepEqual(Array.from(grads.vg_w.dataSync()), [10, 20]);
      });
    } finally {
      lp.dispose([w, frozen, unused]);
    }
  });
  it('customGrad replaces the rule', () => {
    const f = lp.customGrad((x: lp.Tensor, save: (t: lp.Tensor[]) => void) => {
      save([x]);
      return { value: lp.square(x), gradFunc: (dy: lp.Tensor, [sx]: lp.Tensor[]) => lp.mul(dy, lp.mul(sx, 100)) };
    });
    lp.tidy(() => {
      assert.deepEqual(Array.from(lp.grad((x) => lp.sum(f(x)))(lp.tensor([1, 2])).dataSync()), [100, 200]);
    });
  });
  it('errors: no path from x, non-scalar variableGrads, int32 argument, non-function', () => {
    const x = lp.tensor([1, 2]);
    const i = lp.tensor([1], [1], 'int32');
    const v = lp.variable(x, true, 'vg_err');
    try {
      expectError(() => lp.grad(() => lp.scalar(1))(x), 'grad', /argument 0/);
      expectError(() => lp.variableGrads(() => lp.mul(v, 2), [v]), 'variableGrads', /scalar/);
      expectError(() => lp.grad(lp.neg)(i), 'grad', /float32/);
      expectError(() => lp.grad(42 as never), 'grad', /function/);
      expectError(() => lp.variable(x, true, 'vg_err'), 'variable', /already exists/);
    } finally {
      lp.dispose([x, i, v]);
    }
  });
  it('leaves no tensor behind: value and gradients are all that survive', () => {
    const x = lp.tensor(values(64, 80), [8, 8]);
    const w = lp.tensor(values(64, 81), [8, 8]);
    noLeak(() => {
      const { value, grads } = lp.valueAndGrads((a, b) => lp.mean(lp.relu(lp.matMul(lp.tanh(a), b))))([x, w]);
      lp.dispose([value, grads]);
    });
    const before = lp.memory().numBytes;
    for (let i = 0; i < 20; i++) lp.tidy(() => { lp.grad((a) => lp.sum(lp.sigmoid(lp.matMul(a, w))))(x); });
    assert.equal(lp.memory().numBytes, before);
    lp.dispose([x, w]);
  });
});
