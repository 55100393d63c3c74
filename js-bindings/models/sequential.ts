// Sequential: a linear stack of layers (tfjs-layers' tf.sequential), built as a graph as layers
// are added. The first layer needs inputShape or batchInputShape, as in TF.js.
import type { Layer, SymbolicTensor } from '../layers/layer.js';
import { InputLayer } from '../layers/input.js';
import { LayersModel } from './model.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

/** A linear stack of layers (tf.Sequential); the first needs inputShape or batchInputShape. */
export class Sequential extends LayersModel {
  constructor(args: SequentialArgs | Layer[] = {}) {
    super();
    const { layers = [], name } = Array.isArray(args) ? { layers: args } : args;
    if (name !== undefined) this.name = name;
    if (!Array.isArray(layers)) throw new Error('sequential: layers must be an array of layers');
    for (const layer of layers) this.add(layer);
  }

  /** Appends a layer (applied to the current output). */
  add(layer: Layer): void {
    if (layer === null || typeof layer !== 'object' || typeof (layer as Layer).apply !== 'function') {
      throw new Error(`sequential: add() takes a layer, got ${String(layer)}`);
    }
    if (this.outputs.length === 0) {
      if (layer instanceof InputLayer) {
        this.setGraph([layer.output], [layer.output]);
        return;
      }
      if (layer.batchInputShape === undefined) {
        throw new Error(`sequential: the first layer (${layer.name}) must get an inputShape or batchInputShape argument`);
      }
      // A layer that takes ids (Embedding) declares inputDtype: its input accepts int32 (and float32).
      const dtype = (layer as { inputDtype?: 'int32' }).inputDtype;
      const input = new InputLayer({ batchInputShape: layer.batchInputShape, name: `${layer.name}_input`, ...(dtype ? { dtype } : {}) }).output;
      this.setGraph([input], [single(layer, layer.apply(input))]);
      return;
    }
    this.setGraph(this.inputs, [single(layer, layer.apply(this.outputs[0]))]);
  }

  /** The layers, without the implicit input layer. */
  override get layers(): Layer[] {
    return super.layers.filter((l) => !(l instanceof InputLayer));
  }
}

/** A sequential model's layers give one output each (a recurrent layer with returnState needs a functional model). */
function single(layer: Layer, out: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
  if (Array.isArray(out)) {
    throw new Error(`sequential: ${layer.name} (${layer.className}) gives ${out.length} outputs; use a functional model (lp.model) for it`);
  }
  return out;
}

/** tf.sequential: a model from a list of layers ({layers} or the list itself). */
export function sequential(args?: SequentialArgs | Layer[]): Sequential {
  return new Sequential(args);
}
