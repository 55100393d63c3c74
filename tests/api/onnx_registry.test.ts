// OnnxOp registers itself in io's registry from lepton-wasm/onnx (js-bindings/onnx/op_layer.ts),
// so that the core entry carries none of its code. This file imports the core only at first (each
// node:test file runs in its own process): a model file holding an OnnxOp layer is refused with
// an Error naming the import; after importing the ONNX entry, the same kind of file loads.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { mlp, withHeader } from '../helpers/io_models.js';

before(async () => {
  await lp.ready();
});

const HINT = /unknown className 'OnnxOp' \(import 'lepton-wasm\/onnx' first: it registers OnnxOp\)/;

describe('OnnxOp and the core entry', () => {
  it('the core alone: a file with an OnnxOp layer fails, naming the import', () => {
    const model = mlp(4, 5, 3);
    const file = withHeader(lp.io.save(model), (j) => {
      const layers = j.config.modelTopology.config.layers as { className: string }[];
      layers[layers.length - 1].className = 'OnnxOp';
    });
    model.dispose();
    assert.throws(() => lp.io.load(file), (e: Error) => {
      assert.match(e.message, HINT);
      // The known list leaves it out: it is not registered yet.
      assert.doesNotMatch(e.message.slice(e.message.indexOf('(known:')), /OnnxOp/);
      return true;
    });
  });

  it('after importing the ONNX entry: an OnnxOp model saves and loads (same predictions)', async () => {
    const { OnnxOp } = await import('../../js-bindings/onnx/op_layer.js');
    await import('../../js-bindings/onnx/index.js');
    const model = lp.sequential([
      lp.layers.dense({ units: 4, inputShape: [3] }),
      new OnnxOp({ op: 'leakyRelu', attrs: { alpha: 0.25 } }),
    ]);
    const x = lp.tensor([1, -2, 3, -4, 5, -6], [2, 3]);
    const loaded = lp.io.load(lp.io.save(model)) as lp.LayersModel;
    assert.equal(loaded.layers[1].constructor, OnnxOp);
    const [a, b] = [model.predict(x) as lp.Tensor, loaded.predict(x) as lp.Tensor];
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    // A negative input reached the activation: alpha mattered.
    assert.ok(Array.from(a.dataSync()).some((v) => v < 0));
    lp.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
