// The import's working state: the value of every ONNX name (a tensor Val or a constant), the
// layers made so far (disposed together if the import fails), unique layer names from the node
// names, and the layout conversions between a value's forms (layout.ts).
import { Layer, type SymbolicTensor } from '../layers/layer.js';
import { Permute } from '../layers/permute.js';
import { Flatten, Reshape } from '../layers/core.js';
import { tensor } from '../ops/creation.js';
import type { Initializer } from '../layers/initializers.js';
import type { OnnxConst, OnnxGraph, OnnxNode } from './graph.js';
import { fail } from './decode.js';
import { where } from './attrs.js';
import { TO_NCHW, TO_NHWC, Val, type Form } from './layout.js';

/**
 * An initializer that gives the imported values (a file's weights). Its config name stays 'Zeros':
 * a model file holds the values, and a layer rebuilt from its config starts from zeros (io's registry).
 */
export function dataInitializer(values: Float32Array, className = 'Zeros'): Initializer {
  return {
    className,
    apply: (shape: number[]) => {
      if (shape.reduce((a, d) => a * d, 1) !== values.length) throw new Error(`fromOnnx: weight of shape [${shape}] given ${values.length} values`);
      return tensor(values, shape);
    },
    getConfig: () => ({}),
  };
}

export class Builder {
  readonly layers: Layer[] = [];
  private readonly values = new Map<string, Val>();
  private readonly names = new Set<string>();

  constructor(readonly graph: OnnxGraph) {}

  /** Applies a new layer to symbolic inputs, remembering it for clean-up. */
  apply(layer: Layer, inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    this.layers.push(layer);
    const out = layer.apply(inputs);
    if (Array.isArray(out)) fail(`${layer.name}: expected one output`);
    return out;
  }

  /** A layer name from a node's name: Keras-safe characters, unique in this model. */
  layerName(node: OnnxNode | string, suffix = ''): string {
    const base = `${(typeof node === 'string' ? node : node.name).replace(/[^A-Za-z0-9_.\-/]/g, '_')}${suffix}` || 'onnx';
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  set(name: string, v: Val): void { this.values.set(name, v); }

  /** Every value a QuantizeLinear gave a range (qdq.ts). */
  rangedValues(): Val[] { return [...new Set(this.values.values())].filter((v) => v.range !== undefined); }

  has(name: string): boolean { return this.values.has(name); }

  /** A constant by value name (initializer or Constant node), or undefined. */
  constantNamed(name: string): OnnxConst | undefined { return this.graph.constants.get(name); }

  /** Input i of a node as a constant, or undefined when it is computed (or omitted). */
  constant(node: OnnxNode, i: number): OnnxConst | undefined {
    const name = node.inputs[i] ?? '';
    return name === '' ? undefined : this.graph.constants.get(name);
  }

  /** A float32 constant input (required): its values and dims. */
  floatConstant(node: OnnxNode, i: number, role: string): OnnxConst & { data: Float32Array } {
    const c = this.constant(node, i);
    if (c === undefined) fail(`${where(node)}: input ${i} (${role}) must be a constant (an initializer)`);
    if (c.dtype !== 'float32') fail(`${where(node)}: ${role} must be float32, got ${c.dtype}`);
    return c as OnnxConst & { data: Float32Array };
  }

  /** Input i of a node as a computed tensor. */
  tensor(node: OnnxNode, i: number): Val {
    const name = node.inputs[i] ?? '';
    const v = this.values.get(name);
    if (v === undefined) {
      if (this.graph.constants.has(name)) fail(`${where(node)}: input ${i} is a constant; it must be computed from the graph's inputs`);
      fail(`${where(node)}: input ${i} (${JSON.stringify(name)}) is missing`);
    }
    return v;
  }

  /** The symbolic tensor of a value in a form, made (once) by a Permute or Flatten layer when missing. */
  form(v: Val, form: Form): SymbolicTensor {
    const have = v.forms.get(form);
    if (have !== undefined) return have;
    if (!v.canHave(form)) fail(`internal: a rank-${v.rank} value cannot take the ${form} form`);
    let sym: SymbolicTensor;
    if (v.flatSource !== undefined && form !== 'nhwc') {
      // A Flatten's own output: flatten the source's NHWC form (hwcFlat) or its NCHW form (onnx).
      sym = this.apply(new Flatten({ name: this.layerName('flatten') }), this.form(v.flatSource, form === 'hwcFlat' ? 'nhwc' : 'onnx'));
    } else if (v.chw !== undefined) {
      // Flat features in the other order: back to rank 4, permute, flatten again.
      const [c, h, w] = v.chw;
      const toHwc = form === 'hwcFlat';
      const from = this.form(v, toHwc ? 'onnx' : 'hwcFlat');
      const grid = this.apply(new Reshape({ name: this.layerName('unflatten'), targetShape: toHwc ? [c, h, w] : [h, w, c] }), from);
      const moved = this.apply(new Permute({ name: this.layerName(toHwc ? 'to_nhwc' : 'to_nchw'), dims: toHwc ? TO_NHWC : TO_NCHW }), grid);
      sym = this.apply(new Flatten({ name: this.layerName('flatten') }), moved);
    } else if (form === 'nhwc') {
      sym = this.apply(new Permute({ name: this.layerName('to_nhwc'), dims: TO_NHWC }), this.form(v, 'onnx'));
    } else {
      sym = this.apply(new Permute({ name: this.layerName('to_nchw'), dims: TO_NCHW }), v.forms.get('nhwc')!);
    }
    v.forms.set(form, sym);
    return sym;
  }
}

/** How one ONNX op is imported. */
export interface OpHandler {
  /** Why the node cannot be imported, judged from its attributes and constants alone; null when it can. */
  check?(node: OnnxNode, g: OnnxGraph): string | null;
  /** Adds the node's layers and sets its output values. */
  build(node: OnnxNode, b: Builder): void;
}

/** Input i's constant in a graph (checks run before any Builder exists). */
export function graphConstant(g: OnnxGraph, node: OnnxNode, i: number): OnnxConst | undefined {
  const name = node.inputs[i] ?? '';
  return name === '' ? undefined : g.constants.get(name);
}
