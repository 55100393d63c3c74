// permute (tfjs-layers' Permute): reorders the non-batch dimensions, dims being a 1-based
// permutation of them ([2, 1] swaps the two of a rank-3 input). Runs lp.transpose, the
// AssemblyScript strided-copy kernel, with its gradient on the tape.
import type { Tensor } from '../tensor.js';
import { transpose } from '../ops/layout.js';
import { Layer, singleShape, type LayerArgs, type SymbolicShape } from './layer.js';

export interface PermuteArgs extends LayerArgs {
  /** A permutation of 1..rank-1 (the batch dimension 0 stays first). */
  dims: number[];
}

export class Permute extends Layer {
  readonly dims: number[];
  constructor(args: PermuteArgs) {
    super('Permute', args);
    const d = args?.dims;
    const n = Array.isArray(d) ? d.length : 0;
    if (!Array.isArray(d) || n === 0 || !d.every((v) => Number.isInteger(v) && v >= 1 && v <= n) || new Set(d).size !== n) {
      throw new Error(`Permute: dims must be a permutation of 1..${Math.max(n, 1)}, got ${JSON.stringify(d)}`);
    }
    this.dims = [...d];
    this.supportsMasking = true;
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, [this.dims.length + 1]);
    return [s[0], ...this.dims.map((a) => s[a])];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return transpose(inputs as Tensor, [0, ...this.dims]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), dims: this.dims }; }
}
