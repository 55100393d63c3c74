// The layer graph's plumbing for sequence models: implicit masks flowing from the layer that
// makes them through pass-through layers to the one that consumes them (in sequential and
// functional models and in eager apply), layers with several outputs (returnState), call options
// recorded on graph nodes, and all of it through a model file.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { registerLayer, loadArgs } from '../../js-bindings/io/registry.js';
import type { CallKwargs, InputMask, LayerArgs, SymbolicShape } from '../../js-bindings/layers/layer.js';

before(async () => { await lp.ready(); });

/** Makes a mask [batch, time] from feature 0 of [batch, time, features]: true where it is not 0. */
class MakeMask extends lp.Layer {
  constructor(args: LayerArgs = {}) { super('MakeMask', args); }
  computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape { return s as SymbolicShape; }
  call(x: lp.Tensor | lp.Tensor[]): lp.Tensor { return x as lp.Tensor; }
  override computeMask(x: lp.Tensor | lp.Tensor[]): lp.Tensor {
    const t = x as lp.Tensor;
    return lp.notEqual(lp.squeeze(lp.slice(t, [0, 0, 0], [-1, -1, 1]), [2]), lp.scalar(0));
  }
}

/** Sums over time the steps the mask keeps ([batch, time, f] → [batch, f]); records the mask it saw. */
class MaskedSum extends lp.Layer {
  seen: number[][] | null = null;
  constructor(args: LayerArgs = {}) { super('MaskedSum', args); }
  computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape { const t = s as SymbolicShape; return [t[0], t[2]]; }
  call(x: lp.Tensor | lp.Tensor[], kwargs: CallKwargs): lp.Tensor {
    const t = x as lp.Tensor;
    const mask = kwargs.mask as lp.Tensor | undefined;
    this.seen = mask ? (mask.arraySync() as number[][]) : null;
    if (!mask) return lp.sum(t, 1);
    const m = lp.expandDims(lp.cast(mask, 'float32'), 2);
    return lp.sum(lp.mul(t, m), 1);
  }
}

/** Two outputs: the input and its negation; the second option `scale` multiplies both. */
class TwoOut extends lp.Layer {
  constructor(args: LayerArgs = {}) { super('TwoOut', args); this.supportsMasking = true; }
  computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape { return s as SymbolicShape; }
  override computeOutputShapes(s: SymbolicShape | SymbolicShape[]): SymbolicShape[] { return [s as SymbolicShape, s as SymbolicShape]; }
  call(x: lp.Tensor | lp.Tensor[], kwargs: CallKwargs): lp.Tensor {
    const t = lp.mul(x as lp.Tensor, (kwargs.scale as number | undefined) ?? 1);
    return [t, lp.neg(t)] as unknown as lp.Tensor;
  }
  override computeMask(_x: lp.Tensor | lp.Tensor[], mask: InputMask): (lp.Tensor | null)[] {
    return [mask as lp.Tensor | null, null];
  }
}

registerLayer('MakeMask', (c) => new MakeMask(loadArgs(c)));
registerLayer('MaskedSum', (c) => new MaskedSum(loadArgs(c)));
registerLayer('TwoOut', (c) => new TwoOut(loadArgs(c)));

// [2, 3, 2]: sample 0 keeps steps 0 and 2, sample 1 keeps step 1.
const data = [[[1, 10], [0, 20], [3, 30]], [[0, 1], [2, 2], [0, 3]]];
const maskedSums = [[4, 40], [2, 2]];

describe('implicit masks', () => {
  it('flow through a sequential model, past layers that support masking, to the layer that uses them', () => {
    const sum = new MaskedSum();
    // Reshape does not pass masks on (as in Keras): the mask stops there.
    const model = lp.sequential([new MakeMask({ inputShape: [3, 2] }), lp.layers.reshape({ targetShape: [3, 2] }), sum]);
    const x = lp.tensor(data);
    const y = model.predict(x) as lp.Tensor;
    assert.deepEqual(sum.seen, null);
    assert.deepEqual(y.arraySync(), [[4, 60], [2, 6]]);
    y.dispose();
    // Dense, Dropout and Activation work per time step and pass it on.
    const dense = lp.layers.dense({ units: 2 });
    const model2 = lp.sequential([new MakeMask({ inputShape: [3, 2] }), lp.layers.activation({ activation: 'linear' }),
      lp.layers.dropout({ rate: 0.5 }), dense, sum]);
    dense.setWeights([lp.tensor([[1, 0], [0, 1]]), lp.zeros([2])]);
    const y2 = model2.predict(x) as lp.Tensor;
    assert.deepEqual(sum.seen, [[1, 0, 1], [0, 1, 0]]);
    assert.deepEqual(y2.arraySync(), maskedSums);
    lp.dispose([x, y2]);
  });

  it('reach only the outputs computeMask gives them, in functional models and eager apply', () => {
    const inp = lp.input({ shape: [3, 2] });
    const two = new TwoOut();
    const [a, b] = two.applyMulti(new MakeMask().apply(inp), { scale: 2 });
    const sumA = new MaskedSum(), sumB = new MaskedSum();
    const model = lp.model({ inputs: inp, outputs: [sumA.apply(a), sumB.apply(b)] });
    const x = lp.tensor(data);
    const [ya, yb] = model.predict(x) as lp.Tensor[];
    assert.deepEqual(ya.arraySync(), maskedSums.map((r) => r.map((v) => 2 * v)));
    assert.deepEqual(sumB.seen, null);
    assert.deepEqual(yb.arraySync(), [[-8, -120], [-4, -12]]);
    // Eager: the caller passes the mask.
    const mask = lp.tensor([[1, 0, 1], [0, 1, 0]], undefined, 'bool');
    const eager = new MaskedSum().apply(x, { mask });
    assert.deepEqual(eager.arraySync(), maskedSums);
    lp.dispose([x, ya, yb, mask, eager]);
    model.dispose();
  });
});

describe('layers with several outputs and call options', () => {
  it('give symbolic lists, refuse sequential models, and survive a model file', () => {
    const inp = lp.input({ shape: [3, 2] });
    const outs = new TwoOut({ name: 'two' }).apply(new MakeMask({ name: 'mm' }).apply(inp), { scale: 3 }) as unknown as lp.SymbolicTensor[];
    assert.ok(Array.isArray(outs) && outs.length === 2);
    const model = lp.model({ inputs: inp, outputs: [new MaskedSum({ name: 's0' }).apply(outs[1]), new MaskedSum({ name: 's1' }).apply(outs[0])] });
    const x = lp.tensor(data);
    const before = model.predict(x) as lp.Tensor[];
    const loaded = lp.io.load(lp.io.save(model)) as lp.LayersModel;
    const after = loaded.predict(x) as lp.Tensor[];
    assert.deepEqual(after.map((t) => t.arraySync()), before.map((t) => t.arraySync()));
    assert.deepEqual(after[1].arraySync(), maskedSums.map((r) => r.map((v) => 3 * v)));
    lp.dispose([x, ...before, ...after]);
    assert.throws(() => lp.sequential([new TwoOut({ inputShape: [3, 2] })]), /sequential: .* gives 2 outputs; use a functional model/);
    assert.throws(() => new TwoOut().apply(lp.input({ shape: [2] }), { scale: lp.scalar(1) as unknown as number }),
      /call option 'scale' must be a plain value/);
  });

  it('refuse a file whose reference names an output the layer does not have', () => {
    const inp = lp.input({ shape: [3, 2] });
    const outs = new TwoOut({ name: 't' }).applyMulti(inp);
    const model = lp.model({ inputs: inp, outputs: new MaskedSum({ name: 'ms' }).apply(outs[1]) });
    const bytes = lp.io.save(model);
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('["t",0,1]');
    assert.ok(at > 0, 'the file records output 1 of node 0 of t');
    const bad = bytes.slice();
    bad[at + 7] = '5'.charCodeAt(0);
    assert.throws(() => lp.io.load(bad), /io\.load/);
    model.dispose();
  });
});
