// Merge layers for functional models (tfjs-layers' names): add, subtract, multiply, concatenate.
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from '../ops/binary.js';
import { concat } from '../ops/layout.js';
import { logicalAnd } from '../ops/compare.js';
import { Layer, type InputMask, type LayerArgs, type SymbolicShape } from './layer.js';

function shapeList(layer: Layer, shape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
  if (!Array.isArray(shape[0]) || (shape as SymbolicShape[]).length < 2) {
    throw new Error(`${layer.name} (${layer.className}): expects a list of at least 2 inputs`);
  }
  return shape as SymbolicShape[];
}

const show = (s: SymbolicShape) => `[${s.map((d) => d ?? 'null')}]`;

/** Element-wise merges: every input must have the same shape (batch may be unknown). */
class ElementwiseMerge extends Layer {
  constructor(className: string, private readonly combine: (a: Tensor, b: Tensor) => Tensor, args: LayerArgs) {
    super(className, args);
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = shapeList(this, inputShape);
    const first = shapes[0];
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => i > 0 && d !== first[i])) {
        throw new Error(`${this.name} (${this.className}): inputs must have the same shape, got ${shapes.map(show).join(', ')}`);
      }
    }
    return first;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const list = inputs as Tensor[];
    return list.slice(1).reduce((acc, t) => this.combine(acc, t), list[0]);
  }
  /** Keras's merge mask: a step is real when every input that has a mask says so (word + position embeddings keep the padding mask). */
  override computeMask(_inputs: Tensor | Tensor[], mask: InputMask): Tensor | null {
    const masks = (Array.isArray(mask) ? mask : [mask]).filter((m): m is Tensor => m !== null && m !== undefined);
    return masks.length === 0 ? null : masks.slice(1).reduce((acc, m) => logicalAnd(acc, m), masks[0]);
  }
}

export class Add extends ElementwiseMerge {
  constructor(args: LayerArgs = {}) { super('Add', add, args); }
}

/** inputs[0] - inputs[1] (Keras's Subtract takes exactly two inputs). */
export class Subtract extends ElementwiseMerge {
  constructor(args: LayerArgs = {}) { super('Subtract', sub, args); }
  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    if (Array.isArray(inputShape[0]) && inputShape.length !== 2) {
      throw new Error(`${this.name} (Subtract): expects exactly 2 inputs, got ${inputShape.length}`);
    }
    return super.computeOutputShape(inputShape);
  }
}

export class Multiply extends ElementwiseMerge {
  constructor(args: LayerArgs = {}) { super('Multiply', mul, args); }
}

export class Concatenate extends Layer {
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super('Concatenate', args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new Error(`Concatenate: axis must be an integer, got ${String(args.axis)}`);
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = shapeList(this, inputShape);
    const rank = shapes[0].length;
    const ax = this.axis < 0 ? this.axis + rank : this.axis;
    if (ax <= 0 || ax >= rank) throw new Error(`${this.name} (Concatenate): axis ${this.axis} is out of range for rank ${rank}`);
    for (const s of shapes) {
      if (s.length !== rank || s.some((d, i) => i > 0 && i !== ax && d !== shapes[0][i])) {
        throw new Error(`${this.name} (Concatenate): shapes ${shapes.map(show).join(', ')} differ outside axis ${ax}`);
      }
    }
    const out = [...shapes[0]];
    out[ax] = shapes.reduce((a, s) => a + (s[ax] as number), 0);
    return out;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const list = inputs as Tensor[];
    return concat(list, this.axis < 0 ? this.axis + list[0].rank : this.axis);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), axis: this.axis }; }
}
