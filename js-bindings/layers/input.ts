// lp.input() and the InputLayer behind it: the placeholder a functional model starts from.
import type { Tensor, DType } from '../tensor.js';
import { Layer, SymbolicTensor, checkShapeList, type LayerArgs, type LayerNode, type SymbolicShape } from './layer.js';

export class InputLayer extends Layer {
  readonly output: SymbolicTensor;
  constructor(args: LayerArgs) {
    super('InputLayer', args);
    if (this.batchInputShape === undefined) {
      throw new Error('InputLayer: needs inputShape (without the batch dimension) or batchInputShape');
    }
    const node: LayerNode = { layer: this, inputs: [], outputs: [] };
    this.output = new SymbolicTensor(this.batchInputShape, this.dtype, node, this.name);
    node.outputs.push(this.output);
    this.inboundNodes.push(node);
    this.built = true;
  }
  computeOutputShape(): SymbolicShape { return this.batchInputShape!; }
  call(inputs: Tensor | Tensor[]): Tensor { return inputs as Tensor; }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), dtype: this.dtype }; }
}

export interface InputConfig {
  /** Shape without the batch dimension. */
  shape?: number[];
  /** Shape with the batch dimension (null: any). */
  batchShape?: SymbolicShape;
  name?: string;
  dtype?: DType;
}

/** A symbolic input for a functional model (TF.js's tf.input). */
export function input(config: InputConfig): SymbolicTensor {
  if (config === null || typeof config !== 'object') throw new Error('input: expects {shape} or {batchShape}');
  if (config.shape !== undefined) checkShapeList('input', 'shape', config.shape, false);
  if (config.batchShape === undefined && config.shape === undefined) throw new Error('input: needs shape or batchShape');
  return new InputLayer({ name: config.name, inputShape: config.shape, batchInputShape: config.batchShape, dtype: config.dtype }).output;
}
