// A QuantizedModel as {config, tensors} for lp.io (the model file format), and back. The loader
// treats its input as untrusted: every field is checked (types, ranges, slot order, shapes
// against geometry, tensor sizes against their bytes) before anything is allocated.
import { QuantizedModel } from './model.js';
import { engine } from '../engine.js';
import { withWeightBudget, type Layer } from '../layers/layer.js';
import { layerFactory, registeredByHint } from '../io/registry.js';
import { addMultipliers, QMAX, QMIN, type QParams } from './params.js';
import type { ConvGeom } from './kernels.js';
import { MAX_K } from './plan.js';
import type { MatStep, Step } from './steps.js';

export interface ArtifactTensor {
  name: string;
  dtype: 'int8' | 'int32' | 'float32';
  shape: number[];
  bytes: Uint8Array;
  quantization?: { scale: number[]; zeroPoint: number[]; axis?: number };
}
export interface ModelArtifacts { config: Record<string, unknown>; tensors: ArtifactTensor[] }

const FORMAT = 'lepton-quantized-model';
const VERSION = 1;
const MAX_DIM = 1 << 24;
const MAX_ELEMENTS = 1 << 28;

const bytesOf = (a: Int8Array | Float32Array): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

export function toArtifacts(model: QuantizedModel): ModelArtifacts {
  if (model.isDisposed) throw new Error('QuantizedModel.toArtifacts: the model is disposed');
  const tensors: ArtifactTensor[] = [];
  const steps = model.steps.map((s) => {
    if (s.op === 'layer') {
      // A layer left in f32: its class, config and weights, rebuilt by io's layer registry on load.
      const l = s.node.layer;
      const weights = l.weights.map((v, i) => {
        if (v.dtype !== 'float32') throw new Error(`QuantizedModel.toArtifacts: f32 layer ${s.layer} has a ${v.dtype} weight`);
        const name = `${s.layer}/f32/${i}`;
        tensors.push({ name, dtype: 'float32', shape: [...v.shape], bytes: new Uint8Array(v.dataSync().buffer.slice(0)) });
        return name;
      });
      return { op: 'layer', layer: s.layer, in: [...s.in], out: s.out, className: l.className, config: l.getConfig(),
        listInput: s.node.listInput === true, weights, ...(s.node.callArgs ? { kwargs: s.node.callArgs } : {}) };
    }
    if (s.op !== 'dense' && s.op !== 'conv2d' && s.op !== 'depthwise') return { ...s };
    const { wq, scale, bias, ...rest } = s;
    tensors.push({ name: `${s.layer}/kernel`, dtype: 'int8', shape: storedKernelShape(s.op, s.weightShape), bytes: bytesOf(wq),
      quantization: { scale: Array.from(scale), zeroPoint: new Array<number>(s.n).fill(0), axis: s.weightShape.length - (s.op === 'depthwise' ? 2 : 1) } });
    tensors.push({ name: `${s.layer}/bias`, dtype: 'float32', shape: [s.n], bytes: bytesOf(bias) });
    return { ...rest, kernel: `${s.layer}/kernel`, bias: `${s.layer}/bias` };
  });
  return { config: { format: FORMAT, version: VERSION, name: model.name, mode: model.mode, inputShape: [...model.inputShape],
    ...(model.firstAxis !== null ? { firstAxis: model.firstAxis } : {}), slots: model.slots, output: model.output, fallbacks: [...model.fallbacks], steps }, tensors };
}

function bad(what: string): never {
  throw new Error(`io.load: corrupted quantized model: ${what}`);
}
const isInt = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
function int(v: unknown, lo: number, hi: number, what: string): number {
  if (!isInt(v, lo, hi)) bad(`${what} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return v;
}
function shapeOf(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length > 8) bad(`${what} must be a list of dimensions`);
  return v.map((d, i) => int(d, 1, MAX_DIM, `${what}[${i}]`));
}
const size = (s: number[]): number => s.reduce((a, d) => a * d, 1);
function qparams(v: unknown, what: string): QParams {
  const o = v as QParams;
  if (o === null || typeof o !== 'object' || typeof o.scale !== 'number' || !(o.scale > 0) || !Number.isFinite(o.scale)) {
    bad(`${what} needs a finite positive scale`);
  }
  return { scale: o.scale, zeroPoint: int(o.zeroPoint, QMIN, QMAX, `${what}.zeroPoint`) };
}
function geomOf(v: unknown, what: string): ConvGeom {
  if (v === null || typeof v !== 'object') bad(`${what} missing`);
  const g = v as Record<string, unknown>;
  const out = {} as Record<string, number>;
  for (const key of ['kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'h', 'w', 'c', 'oh', 'ow']) out[key] = int(g[key], 1, 1 << 16, `${what}.${key}`);
  for (const key of ['pt', 'pl']) out[key] = int(g[key], 0, 1 << 16, `${what}.${key}`);
  return out as unknown as ConvGeom;
}

interface Slot { q: boolean; shape: number[] }

export function fromArtifacts(config: unknown, tensors: unknown): QuantizedModel {
  const c = config as Record<string, unknown>;
  if (c === null || typeof c !== 'object' || c.format !== FORMAT) bad(`config.format must be '${FORMAT}'`);
  if (c.version !== VERSION) bad(`unsupported version ${JSON.stringify(c.version)} (this build reads ${VERSION})`);
  if (c.mode !== 'int8' && c.mode !== 'dynamic') bad(`mode must be 'int8' or 'dynamic', got ${JSON.stringify(c.mode)}`);
  const mode = c.mode;
  if (!Array.isArray(tensors)) bad('tensors must be a list');
  const byName = new Map<string, ArtifactTensor>();
  for (const t of tensors as ArtifactTensor[]) {
    if (t === null || typeof t !== 'object' || typeof t.name !== 'string') bad('a tensor without a name');
    if (!(t.bytes instanceof Uint8Array)) bad(`tensor ${t.name}: bytes must be a Uint8Array`);
    byName.set(t.name, t);
  }
  const inputShape = shapeOf(c.inputShape, 'inputShape');
  const slotCount = int(c.slots, 1, 1 << 16, 'slots');
  if (!Array.isArray(c.steps) || c.steps.length > 1 << 16) bad('steps must be a list');
  const slots: (Slot | undefined)[] = new Array(slotCount);
  slots[0] = { q: false, shape: inputShape };
  const read = (v: unknown, what: string): Slot => {
    const i = int(v, 0, slotCount - 1, what);
    if (slots[i] === undefined) bad(`${what} reads slot ${i} before it is written`);
    return slots[i]!;
  };
  const write = (v: unknown, slot: Slot, what: string): number => {
    const i = int(v, 1, slotCount - 1, what);
    if (slots[i] !== undefined) bad(`${what} writes slot ${i} twice`);
    if (size(slot.shape) > MAX_ELEMENTS) bad(`${what}: shape too large`);
    slots[i] = slot;
    return i;
  };
  const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  // Layers rebuilt for f32 steps: the model owns them; freed here if a later step is bad.
  const owned: Layer[] = [];
  try {
  const steps: Step[] = (c.steps as Record<string, unknown>[]).map((s, idx) => {
    if (s === null || typeof s !== 'object') bad(`step ${idx} is not an object`);
    const what = `step ${idx} (${String(s.op)})`;
    const layer = typeof s.layer === 'string' ? s.layer : bad(`${what}: layer name missing`);
    switch (s.op) {
      case 'quantize': case 'dequantize': {
        const x = read(s.in, `${what}.in`);
        if (x.q !== (s.op === 'dequantize')) bad(`${what}: input has the wrong kind (int8 / float)`);
        if (s.op === 'quantize') {
          const qp = qparams(s.qp, `${what}.qp`);
          return { op: 'quantize', layer, in: s.in as number, out: write(s.out, { q: true, shape: x.shape }, `${what}.out`), qp };
        }
        return { op: 'dequantize', layer, in: s.in as number, out: write(s.out, { q: false, shape: x.shape }, `${what}.out`) };
      }
      case 'maxpool': case 'avgpool': {
        const x = read(s.in, `${what}.in`);
        const g = geomOf(s.geom, `${what}.geom`);
        const shape = shapeOf(s.shape, `${what}.shape`);
        if (!x.q || !sameShape(x.shape, [g.h, g.w, g.c]) || size(shape) !== g.oh * g.ow * g.c) bad(`${what}: shapes do not match its geometry`);
        return { op: s.op, layer, in: s.in as number, out: write(s.out, { q: true, shape }, `${what}.out`), geom: g, shape };
      }
      case 'reshape': {
        const x = read(s.in, `${what}.in`);
        const shape = shapeOf(s.shape, `${what}.shape`);
        if (size(shape) !== size(x.shape)) bad(`${what}: cannot reshape [${x.shape}] into [${shape}]`);
        return { op: 'reshape', layer, in: s.in as number, out: write(s.out, { q: x.q, shape }, `${what}.out`), shape };
      }
      case 'add': {
        if (mode !== 'int8' || !Array.isArray(s.in) || s.in.length !== 2) bad(`${what}: an int8 add takes two slots`);
        const [a, b] = (s.in as unknown[]).map((v, i) => read(v, `${what}.in[${i}]`));
        const shape = shapeOf(s.shape, `${what}.shape`);
        if (!a.q || !b.q || !sameShape(a.shape, shape) || !sameShape(b.shape, shape)) bad(`${what}: inputs must be int8 of shape [${shape}]`);
        if (!['linear', 'relu', 'relu6'].includes(s.activation as string)) bad(`${what}: activation ${JSON.stringify(s.activation)}`);
        const aQ = qparams(s.aQ, `${what}.aQ`), bQ = qparams(s.bQ, `${what}.bQ`), outQ = qparams(s.outQ, `${what}.outQ`);
        try { addMultipliers(aQ.scale / outQ.scale, bQ.scale / outQ.scale); } catch (e) { bad(`${what}: ${(e as Error).message}`); }
        return { op: 'add', layer, in: [s.in[0] as number, s.in[1] as number], out: write(s.out, { q: true, shape }, `${what}.out`), aQ, bQ, outQ,
          activation: s.activation as 'linear' | 'relu' | 'relu6', shape };
      }
      case 'permute': {
        const x = read(s.in, `${what}.in`);
        const dims = shapeOf(s.dims, `${what}.dims`);
        if (x.q || dims.length !== x.shape.length || dims.some((d) => d > dims.length) || new Set(dims).size !== dims.length) {
          bad(`${what}: dims must be a permutation of 1..${x.shape.length} of a float value`);
        }
        const shape = dims.map((d) => x.shape[d - 1]);
        if (!sameShape(shape, shapeOf(s.shape, `${what}.shape`))) bad(`${what}: shape does not match the permutation`);
        return { op: 'permute', layer, in: s.in as number, out: write(s.out, { q: false, shape }, `${what}.out`), dims, shape };
      }
      case 'activation': {
        const x = read(s.in, `${what}.in`);
        const names = ['relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'elu', 'gelu', 'linear', 'softplus', 'swish', 'selu', 'leakyrelu'];
        if (x.q || !names.includes(s.name as string)) bad(`${what}: unknown activation ${JSON.stringify(s.name)}`);
        return { op: 'activation', layer, in: s.in as number, out: write(s.out, { q: false, shape: x.shape }, `${what}.out`), name: s.name as string };
      }
      case 'pool_f32': {
        const x = read(s.in, `${what}.in`);
        const kind = s.kind as 'max' | 'avg' | 'global';
        const pair = (v: unknown, name: string): [number, number] => {
          const p = shapeOf(v, `${what}.${name}`);
          if (p.length !== 2) bad(`${what}.${name} must be [h, w]`);
          return [p[0], p[1]];
        };
        const poolSize = pair(s.poolSize, 'poolSize'), strides = pair(s.strides, 'strides');
        if (!['max', 'avg', 'global'].includes(kind) || (s.padding !== 'same' && s.padding !== 'valid') || x.q || x.shape.length !== 3) {
          bad(`${what}: bad pooling attributes`);
        }
        const [h, w, ch] = x.shape;
        const outHW = kind === 'global' ? [] : s.padding === 'same' ? [Math.ceil(h / strides[0]), Math.ceil(w / strides[1])]
          : [Math.ceil((h - poolSize[0] + 1) / strides[0]), Math.ceil((w - poolSize[1] + 1) / strides[1])];
        const shape = [...outHW, ch];
        if (!sameShape(shape, shapeOf(s.shape, `${what}.shape`)) || shape.some((d) => !(d >= 1))) bad(`${what}: shape does not match the pooling`);
        return { op: 'pool_f32', layer, in: s.in as number, out: write(s.out, { q: false, shape }, `${what}.out`), kind, poolSize, strides,
          padding: s.padding as 'same' | 'valid', shape };
      }
      case 'dense': case 'conv2d': case 'depthwise':
        return matStep(s, what, layer, mode, byName, read, write);
      case 'layer':
        return f32Step(s, what, layer, byName, read, write, owned);
      default:
        return bad(`${what}: unknown op`);
    }
  });
  const out = read(c.output, 'output');
  if (out.q) bad('the output slot is int8');
  const fallbacks = Array.isArray(c.fallbacks) ? c.fallbacks.map(String) : [];
  const firstAxis = c.firstAxis === undefined ? null : c.firstAxis;
  if (firstAxis !== null && !(Number.isInteger(firstAxis) && (firstAxis as number) >= 1 && (firstAxis as number) <= 2 ** 24)) {
    bad('firstAxis must be an integer from 1 to 2^24');
  }
  return new QuantizedModel(mode, steps, slotCount, inputShape, c.output as number, fallbacks, typeof c.name === 'string' ? c.name : 'quantized',
    owned, firstAxis as number | null);
  } catch (e) {
    for (const l of owned) l.dispose();
    throw e;
  }
}

/** A layer that runs in f32, rebuilt from its class and config (io's registry) on float inputs, its weights checked and copied. */
function f32Step(s: Record<string, unknown>, what: string, layer: string, byName: Map<string, ArtifactTensor>,
    read: (v: unknown, what: string) => Slot, write: (v: unknown, slot: Slot, what: string) => number, owned: Layer[]): Step {
  if (!Array.isArray(s.in) || s.in.length < 1 || s.in.length > 64) bad(`${what}.in must be a list of 1 to 64 slots`);
  const ins = (s.in as unknown[]).map((v, i) => read(v, `${what}.in[${i}]`));
  if (ins.some((x) => x.q)) bad(`${what}: an f32 layer takes float inputs`);
  const listInput = s.listInput === true;
  if (!listInput && ins.length !== 1) bad(`${what}: one input unless listInput`);
  const factory = typeof s.className === 'string' ? layerFactory(s.className) : undefined;
  if (factory === undefined) {
    bad(`${what}: unknown layer class ${JSON.stringify(s.className)?.slice(0, 60)}${registeredByHint(String(s.className))}`);
  }
  if (s.config === null || typeof s.config !== 'object' || Array.isArray(s.config)) bad(`${what}: config must be an object`);
  // the call options recorded on its graph node (useCausalMask, ...), as model files keep them
  const kwargs = s.kwargs as Record<string, unknown> | undefined;
  if (kwargs !== undefined && (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs) ||
      ['training', 'logits', 'mask'].some((key) => Object.hasOwn(kwargs, key)))) {
    bad(`${what}: kwargs must be an object of call options (not training, logits or mask)`);
  }
  if (!Array.isArray(s.weights) || s.weights.length > 64) bad(`${what}.weights must be a list of tensor names`);
  const saved = (s.weights as unknown[]).map((name, i) => {
    const t = typeof name === 'string' ? byName.get(name) : undefined;
    if (t === undefined || t.dtype !== 'float32') bad(`${what}: weight ${i} missing or not float32`);
    return t!;
  });
  const shapes = ins.map((x) => [null, ...x.shape]);
  let l: Layer;
  let outShape: (number | null)[];
  try {
    // The layer may allocate no more than the file's weights for it hold.
    [l, outShape] = withWeightBudget(saved.reduce((a, t) => a + t.bytes.length, 0), () => {
      const built = factory!({ ...(s.config as Record<string, unknown>), batchInputShape: undefined, inputShape: undefined });
      owned.push(built);
      const shape = built.computeOutputShape(listInput ? shapes : shapes[0]);
      built.ensureBuilt(listInput ? shapes : shapes[0]);
      return [built, shape] as [Layer, (number | null)[]];
    });
  } catch (e) {
    return bad(`${what}: ${(e as Error).message}`);
  }
  const vars = l.weights;
  if (vars.length !== saved.length) bad(`${what}: the layer has ${vars.length} weights, the file ${saved.length}`);
  vars.forEach((v, i) => {
    if (!sameShape3(v.shape as number[], saved[i].shape) || saved[i].bytes.length !== v.byteLength) bad(`${what}: weight ${i} shape [${saved[i].shape}], the layer wants [${v.shape}]`);
  });
  vars.forEach((v, i) => new Uint8Array(engine.k.memory.buffer, v.ptr, v.byteLength).set(saved[i].bytes));
  if (outShape.slice(1).some((d) => d === null)) bad(`${what}: output shape not fully known`);
  const out = write(s.out, { q: false, shape: outShape.slice(1) as number[] }, `${what}.out`);
  return { op: 'layer', layer, in: s.in as number[], out, node: { layer: l, inputs: [], outputs: [], listInput, ...(kwargs ? { callArgs: kwargs } : {}) } };
}

function matStep(s: Record<string, unknown>, what: string, layer: string, mode: 'int8' | 'dynamic', byName: Map<string, ArtifactTensor>,
    read: (v: unknown, what: string) => Slot, write: (v: unknown, slot: Slot, what: string) => number): MatStep {
  const op = s.op as MatStep['op'];
  const x = read(s.in, `${what}.in`);
  const k = int(s.k, 1, MAX_K, `${what}.k`), n = int(s.n, 1, MAX_DIM, `${what}.n`);
  if (k * n > MAX_ELEMENTS) bad(`${what}: weights too large`);
  const inQ = mode === 'dynamic' ? null : qparams(s.inQ, `${what}.inQ`);
  if (x.q !== (inQ !== null)) bad(`${what}: input has the wrong kind (int8 / float)`);
  const outQ = s.outQ === null ? null : qparams(s.outQ, `${what}.outQ`);
  if (!['linear', 'relu', 'relu6'].includes(s.activation as string)) bad(`${what}: activation ${JSON.stringify(s.activation)}`);
  const weightShape = shapeOf(s.weightShape, `${what}.weightShape`);
  let geom: ConvGeom | undefined, depthMultiplier = 0, outShape: number[];
  if (op === 'dense') {
    if (weightShape.length !== 2 || weightShape[0] !== k || weightShape[1] !== n || x.shape[x.shape.length - 1] !== k) {
      bad(`${what}: weight shape [${weightShape}] does not match k=${k}, n=${n} and input [${x.shape}]`);
    }
    outShape = [...x.shape.slice(0, -1), n];
  } else {
    geom = geomOf(s.geom, `${what}.geom`);
    const [kh, kw, c, last] = weightShape;
    if (weightShape.length !== 4 || kh !== geom.kh || kw !== geom.kw || c !== geom.c || !sameShape3(x.shape, [geom.h, geom.w, geom.c])) {
      bad(`${what}: weight shape [${weightShape}] does not match its geometry and input [${x.shape}]`);
    }
    if (op === 'depthwise') {
      depthMultiplier = int(s.depthMultiplier, 1, 1 << 16, `${what}.depthMultiplier`);
      if (last !== depthMultiplier || k !== kh * kw || n !== c * last) bad(`${what}: k/n do not match the depthwise kernel`);
    } else if (k !== kh * kw * c || n !== last) {
      bad(`${what}: k/n do not match the kernel`);
    }
    outShape = [geom.oh, geom.ow, n];
  }
  const kernel = byName.get(s.kernel as string), bias = byName.get(s.bias as string);
  if (kernel === undefined || kernel.dtype !== 'int8' || kernel.bytes.length !== k * n || !sameShape3(kernel.shape, storedKernelShape(op, weightShape))) {
    bad(`${what}: kernel tensor ${JSON.stringify(s.kernel)} missing or not int8 of shape [${weightShape}]`);
  }
  const scale = kernel.quantization?.scale;
  if (!Array.isArray(scale) || scale.length !== n || !scale.every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v))) {
    bad(`${what}: kernel quantization needs ${n} finite positive scales`);
  }
  if (bias === undefined || bias.dtype !== 'float32' || bias.bytes.length !== 4 * n) bad(`${what}: bias tensor missing or not float32 [${n}]`);
  const biasValues = new Float32Array(bias.bytes.slice().buffer);
  if (!biasValues.every(Number.isFinite)) bad(`${what}: bias has non-finite values`);
  const out = write(s.out, { q: outQ !== null, shape: outShape }, `${what}.out`);
  return { op, layer, in: s.in as number, out, k, n, geom, depthMultiplier, activation: s.activation as MatStep['activation'], inQ, outQ,
    wq: new Int8Array(kernel.bytes.slice().buffer), scale: Float32Array.from(scale), bias: biasValues, weightShape };
}

/**
 * The kernel's shape in the file: a depthwise kernel [kh, kw, c, multiplier] is stored as
 * [kh, kw, c·multiplier], so that its c·multiplier output-channel scales lie along one axis.
 */
function storedKernelShape(op: string, weightShape: number[]): number[] {
  return op === 'depthwise' ? [weightShape[0], weightShape[1], weightShape[2] * weightShape[3]] : [...weightShape];
}

function sameShape3(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
