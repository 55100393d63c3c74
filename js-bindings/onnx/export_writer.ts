// The ONNX graph toOnnx is writing: nodes, initializers and unique names, and every Lepton value
// as an XVal that may exist in up to three forms (the mirror of layout.ts for import):
//   'keras'   Lepton's own axis order (NHWC for images): what the graph takes and returns;
//   'nchw'    a rank-4 NHWC value with its channels moved to axis 1 (what ONNX's Conv and pools run on),
//             or a rank-3 [batch, time, channels] sequence as [batch, channels, time] (1-D convolutions);
//   'chwFlat' a Flatten of a rank-4 value in ONNX's (c, h, w) order (a Flatten of its NCHW form),
//             which a Dense reads with its kernel rows permuted instead of a Transpose at run time;
//   'tnc'     a rank-3 sequence time-major, [time, batch, features] (what ONNX's RNN / LSTM / GRU
//             take and give; a Dense, a LayerNormalization or an activation runs on it as it is).
// A form is made on demand, once, so a chain of convolutions never goes back to NHWC, and a stack
// of recurrent layers never goes back to batch-first.
import onnxProto from 'onnx-proto';
import type { SymbolicShape } from '../layers/layer.js';

const { onnx } = onnxProto;
export type NodeProto = ReturnType<typeof onnx.NodeProto.create>;
export type TensorProto = ReturnType<typeof onnx.TensorProto.create>;
export type AttrProto = ReturnType<typeof onnx.AttributeProto.create>;

/** ONNX TensorProto data types. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

export type Form = 'keras' | 'nchw' | 'chwFlat' | 'tnc';

/** NHWC → NCHW and back, as ONNX Transpose perms (batch included). */
export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Channels-last → channels-first and back, as ONNX Transpose perms for a value of rank `rank` (batch included). */
export const toChannelsFirst = (rank: number): number[] => [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
export const toChannelsLast = (rank: number): number[] => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];

/** The Lepton axes a form holds, in its order ('nchw', 'keras' and 'tnc'; 'chwFlat' is not a permutation). */
export function formAxes(form: Form, rank: number): number[] {
  if (form === 'nchw') return toChannelsFirst(rank);
  if (form === 'tnc') return [1, 0, 2];
  return Array.from({ length: rank }, (_, i) => i);
}

/** A float attribute, or a list of floats (plain numbers are ints). */
export class FloatAttr { constructor(readonly value: number | number[]) {} }
export const float = (v: number | number[]): FloatAttr => new FloatAttr(v);
export type Attr = number | number[] | string | string[] | FloatAttr;

function attribute(name: string, v: Attr): AttrProto {
  if (v instanceof FloatAttr) {
    return Array.isArray(v.value) ? onnx.AttributeProto.create({ name, type: 6, floats: v.value })
      : onnx.AttributeProto.create({ name, type: 1, f: v.value });
  }
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: 3, s: new TextEncoder().encode(v) });
  if (Array.isArray(v) && v.some((e) => typeof e === 'string')) {
    return onnx.AttributeProto.create({ name, type: 8, strings: (v as string[]).map((e) => new TextEncoder().encode(e)) });
  }
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: 7, ints: v });
  return onnx.AttributeProto.create({ name, type: 2, i: v });
}

export class XVal {
  readonly forms = new Map<Form, string>();
  /** An int32 graph input (ids), not float32. */
  int = false;
  /**
   * A lazy constant pad of a rank-4 value's rows and columns ([top, left, bottom, right]): a Conv
   * after a zero pad, or a MaxPool after a -FLT_MAX one, takes it into its own pads; anything else
   * gets a Pad node.
   */
  padding?: { source: XVal; pads: number[]; value: number };
  /**
   * @param shape Lepton's shape (batch first, null when free)
   * @param hwc for a rank-2 value that is (an element-wise function of) a flattened rank-4 value:
   *   that value's [h, w, c], which lets it take the chwFlat form
   * @param flatSource for the Flatten itself: the rank-4 value (its forms flatten directly)
   */
  constructor(readonly shape: SymbolicShape, readonly hwc?: number[], readonly flatSource?: XVal) {}

  static of(form: Form, name: string, shape: SymbolicShape, hwc?: number[]): XVal {
    const v = new XVal(shape, hwc);
    v.forms.set(form, name);
    return v;
  }

  get rank(): number { return this.shape.length; }

  /** The form an element-wise op runs on: one that exists, NCHW first. */
  preferred(): Form {
    for (const f of ['nchw', 'chwFlat', 'tnc', 'keras'] as Form[]) if (this.forms.has(f)) return f;
    if (this.padding !== undefined) return 'nchw';
    // a lazy Flatten: the order its source is held in
    return this.flatSource?.preferred() === 'nchw' ? 'chwFlat' : 'keras';
  }

  canHave(form: Form): boolean {
    return form === 'keras' || (form === 'nchw' && (this.rank === 4 || this.rank === 3)) || (form === 'tnc' && this.rank === 3) || (form === 'chwFlat' && this.hwc !== undefined);
  }

  /** The ONNX shape of a form (batch as a symbolic dimension when free). */
  formShape(form: Form): SymbolicShape {
    const s = this.shape;
    return form === 'chwFlat' ? s : formAxes(form, this.rank).map((d) => s[d]);
  }
}

/** Axis `axis` of a Lepton rank-4 (or `rank`) value, in its channels-first ('nchw') form. */
export const nchwAxis = (axis: number, rank = 4): number => toChannelsFirst(rank).indexOf(axis);

/** A lazy pad of rank-4 x ([top, left, bottom, right], Lepton's value): no node until a form is asked for. */
export function padded(x: XVal, shape: SymbolicShape, pads: number[], value: number): XVal {
  const v = new XVal(shape);
  v.padding = { source: x, pads, value };
  return v;
}

/**
 * The input and extra pads of a Conv (value 0) or MaxPool (value -FLT_MAX or less, which a max
 * never picks while a window holds a real value) whose input may be a lazy pad it can take in.
 */
export function unpadded(x: XVal, conv: boolean, kernel: number[]): { x: XVal; pads: number[] } {
  const p = x.padding;
  const fits = p !== undefined && (conv ? p.value === 0 : p.value <= -3.4028234663852886e38 && p.pads.every((d, i) => d < kernel[i % 2]));
  return fits ? { x: p!.source, pads: p!.pads } : { x, pads: [0, 0, 0, 0] };
}

export class OnnxWriter {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly scalars = new Map<string, string>();

  /** A unique value or node name from a base (layer names are already unique). */
  name(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_.\-/:]/g, '_') || 'v';
    let n = clean;
    for (let i = 1; this.names.has(n); i++) n = `${clean}_${i}`;
    this.names.add(n);
    return n;
  }

  /** Adds a node; returns its first output's name (a fresh one from `out`). */
  node(op: string, inputs: string[], out: string, attrs: Record<string, Attr> = {}, outputs = 1): string {
    return this.multi(op, inputs, out, attrs, outputs)[0];
  }

  /** Adds a node with several outputs; returns all their names. */
  multi(op: string, inputs: string[], out: string, attrs: Record<string, Attr> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, (_, i) => this.name(outputs === 1 ? out : `${out}_${i}`));
    this.nodes.push(onnx.NodeProto.create({ opType: op, input: inputs, output: names, name: this.name(`${out}/${op}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) }));
    return names;
  }

  /** An initializer of raw little-endian bytes; returns its name. */
  private raw(base: string, dataType: number, dims: number[], bytes: Uint8Array): string {
    const name = this.name(base);
    this.inits.push(onnx.TensorProto.create({ name, dataType, dims, rawData: bytes }));
    return name;
  }

  floats(base: string, dims: number[], data: ArrayLike<number>): string {
    const f = Float32Array.from(data);
    return this.raw(base, DT.FLOAT, dims, new Uint8Array(f.buffer));
  }
  int8s(base: string, dims: number[], data: Int8Array): string {
    return this.raw(base, DT.INT8, dims, new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }
  uint8s(base: string, dims: number[], data: ArrayLike<number>): string {
    return this.raw(base, DT.UINT8, dims, Uint8Array.from(data));
  }
  int32s(base: string, dims: number[], data: ArrayLike<number>): string {
    return this.raw(base, DT.INT32, dims, new Uint8Array(Int32Array.from(data).buffer));
  }
  int64s(base: string, values: number[]): string {
    return this.raw(base, DT.INT64, [values.length], new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer));
  }

  /** A float32 scalar initializer, shared by every node that needs the same value. */
  scalar(v: number): string {
    const key = `f${Math.fround(v)}`;
    let n = this.scalars.get(key);
    if (n === undefined) {
      n = this.floats('const', [], [v]);
      this.scalars.set(key, n);
    }
    return n;
  }

  /** The name of a value in a form, made (once) by Transpose / Flatten / Reshape nodes when missing. */
  form(v: XVal, form: Form): string {
    const have = v.forms.get(form);
    if (have !== undefined) return have;
    if (!v.canHave(form)) throw new Error(`toOnnx: internal: a rank-${v.rank} value cannot take the ${form} form`);
    let name: string;
    if (v.padding !== undefined && !v.forms.has('nchw')) {
      const [t, l, b, r] = v.padding.pads;
      v.forms.set('nchw', this.node('Pad', [this.form(v.padding.source, 'nchw'), this.int64s('pads', [0, 0, t, l, 0, 0, b, r]),
        this.scalar(v.padding.value)], 'pad'));
      if (form === 'nchw') return v.forms.get('nchw')!;
    }
    if (v.flatSource !== undefined && form !== 'nchw') {
      // A Flatten's own output: flatten the source's NCHW form (chwFlat) or its NHWC form (keras).
      name = this.node('Flatten', [this.form(v.flatSource, form === 'chwFlat' ? 'nchw' : 'keras')], 'flatten', { axis: 1 });
    } else if (v.hwc !== undefined) {
      // Flat features in the other order: back to rank 4, transpose, flatten again.
      const [h, w, c] = v.hwc;
      const toChw = form === 'chwFlat';
      const from = this.form(v, toChw ? 'keras' : 'chwFlat');
      const grid = this.node('Reshape', [from, this.int64s('unflatten_shape', toChw ? [0, h, w, c] : [0, c, h, w])], 'unflatten');
      const moved = this.node('Transpose', [grid], toChw ? 'to_nchw' : 'to_nhwc', { perm: toChw ? NHWC_TO_NCHW : NCHW_TO_NHWC });
      name = this.node('Flatten', [moved], 'flatten', { axis: 1 });
    } else {
      // a Transpose from a form it has (Lepton's own first)
      const from = (['keras', 'nchw', 'tnc'] as Form[]).find((f) => v.forms.has(f))!;
      const have = formAxes(from, v.rank);
      name = this.node('Transpose', [v.forms.get(from)!], `to_${form === 'keras' ? (v.rank === 4 ? 'nhwc' : 'batch_first') : form}`,
        { perm: formAxes(form, v.rank).map((a) => have.indexOf(a)) });
    }
    v.forms.set(form, name);
    return name;
  }
}

// ---- the model ------------------------------------------------------------------------------

/** The ONNX opset toOnnx writes. */
export const EXPORT_OPSET = 17;
/** The ONNX IR version toOnnx writes. */
export const EXPORT_IR_VERSION = 8;

/** Options of toOnnx(). */
export interface ExportOptions {
  /** The graph's name (default: the model's). */
  name?: string;
  /** The symbolic batch dimension's name (default 'batch'). */
  batchName?: string;
}

/** A graph input or output; a free batch dimension (null, or any batch for an output) is symbolic. */
function valueInfo(name: string, shape: SymbolicShape, elemType: number, batchName: string, freeBatch = false) {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType,
    shape: { dim: shape.map((d, i) => (d === null || (i === 0 && freeBatch) ? { dimParam: batchName } : { dimValue: d })) } } } });
}

export interface GraphIO { name: string; shape: SymbolicShape; int?: boolean }

/** The finished graph as ModelProto bytes. */
export function encodeModel(w: OnnxWriter, inputs: GraphIO[], outputs: GraphIO[], opts: ExportOptions, modelName: string): Uint8Array {
  const batch = opts.batchName ?? 'batch';
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: EXPORT_IR_VERSION, opsetImport: [{ domain: '', version: EXPORT_OPSET }], producerName: 'lepton-wasm',
    graph: { name: opts.name ?? modelName, node: w.nodes, initializer: w.inits,
      input: inputs.map((v) => valueInfo(v.name, v.shape, v.int ? DT.INT32 : DT.FLOAT, batch)),
      output: outputs.map((v) => valueInfo(v.name, v.shape, DT.FLOAT, batch, true)) },
  })).finish();
}

/** Graph outputs: each value's Lepton (keras) form under a name of its own. */
export function graphOutputs(w: OnnxWriter, outs: { v: XVal; name: string }[]): GraphIO[] {
  return outs.map(({ v, name }) => ({ name: w.node('Identity', [w.form(v, 'keras')], name), shape: v.shape }));
}

