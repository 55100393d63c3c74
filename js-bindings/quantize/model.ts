// QuantizedModel: the steps of plan.ts with their weights packed in linear memory, run batch by
// batch inside tidy() (int8 activations are scoped; weights and parameter blocks persistent).
import { engine } from '../engine.js';
import { Tensor, tidy } from '../tensor.js';
import { concat, slice, transpose } from '../ops/layout.js';
import { reshape } from '../ops/creation.js';
import { avgPool, globalAveragePool2d, maxPool } from '../ops/pool.js';
import { applyNamed } from '../layers/activations.js';
import { fmt } from '../util.js';
import { addMultipliers, affineParams, paramsBlock, fixedPoint, QMAX, QMIN, type QParams } from './params.js';
import { winogradFits, dequantizeTensor, packWeights, persistentBytes, qadd, qconv, qgemm, qpool, quantizeTensor, tensorRange, type QValue } from './kernels.js';
import type { MatStep, Step } from './steps.js';
import type { InputMask, Layer } from '../layers/layer.js';
import type { Mode } from './plan.js';
import { pooledConvs } from './plan_fuse.js';

/** The parameter block of a conv / dense step (requant.ts's layout). The int32 bias is kept within
 *  ±2^30 (qgemm.ts's MAX_K bound needs it; a bias that large saturates the output anyway). */
export function stepParams(s: MatStep): Uint8Array {
  const sx = s.inQ?.scale ?? 1;
  if (s.outQ === null) {
    return paramsBlock(s.n, { sx, sw: s.scale, fbias: s.bias, fmin: s.activation === 'linear' ? -Infinity : 0,
      fmax: s.activation === 'relu6' ? 6 : Infinity });
  }
  const sy = s.outQ.scale, zy = s.outQ.zeroPoint;
  const { mult, shift } = fixedPoint(Array.from(s.scale, (sw) => (sx * sw) / sy));
  const bias = Int32Array.from(s.bias, (b, c) => Math.max(-(2 ** 30), Math.min(2 ** 30, Math.round(b / (sx * s.scale[c])))));
  const [qmin, qmax] = clampRange(s.activation, s.outQ);
  return paramsBlock(s.n, { bias, mult, shift, zy, qmin, qmax });
}

interface Resources { weights: Tensor; params: Tensor }

/** The clamp [qmin, qmax] of an int8 output with a fused ReLU / ReLU6 (none: the full range). */
export function clampRange(activation: 'linear' | 'relu' | 'relu6', outQ: QParams): [number, number] {
  const { scale, zeroPoint: zy } = outQ;
  return [activation === 'linear' ? QMIN : Math.max(QMIN, zy), activation === 'relu6' ? Math.min(QMAX, zy + Math.round(6 / scale)) : QMAX];
}

/** An int8 or dynamic-mode model made by quantize(): predict, summary, dispose; saved with io.save. */
export class QuantizedModel {
  private resources = new Map<MatStep, Resources>();
  /** conv step → the max pooling its kernel call does too (plan_fuse.ts pooledConvs). */
  private readonly pooled: Map<MatStep, Step>;
  private readonly absorbed: Set<Step>;
  private disposed = false;

  /**
   * ownedLayers: f32 layers this model frees with itself (rebuilt from their configs by io.load, and
   * by quantize() so that the quantized model does not depend on the source model's layers).
   */
  /**
   * firstAxis: the size of the input's first axis when the source model fixed it (an imported
   * time-major graph, whose first axis is time, not the samples): predict then takes that size
   * whole instead of splitting the first axis into batches.
   */
  constructor(readonly mode: Mode, readonly steps: Step[], readonly slots: number, readonly inputShape: number[],
      readonly output: number, readonly fallbacks: string[], readonly name = 'quantized', private readonly ownedLayers: Layer[] = [],
      readonly firstAxis: number | null = null) {
    this.pooled = pooledConvs(steps, output);
    this.absorbed = new Set(this.pooled.values());
    try {
      for (const s of steps) {
        if (s.op !== 'dense' && s.op !== 'conv2d' && s.op !== 'depthwise') continue;
        const op = `quantize: ${s.layer}`;
        const weights = s.op === 'depthwise' ? persistentBytes(op, new Uint8Array(s.wq.buffer, s.wq.byteOffset, s.wq.length))
          : packWeights(op, s.wq, s.k, s.n, this.winograd(s) ? s.geom!.c : undefined);
        let params: Tensor;
        try { params = persistentBytes(op, stepParams(s)); } catch (e) { weights.dispose(); throw e; }
        this.resources.set(s, { weights, params });
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Whether a step's conv runs as Winograd F(2x2, 3x3) (kernels.ts winogradFits). */
  private winograd(s: MatStep): boolean {
    return s.op === 'conv2d' && winogradFits(s.geom!);
  }

  /** The layer names in execution order, with how each runs. */
  get layers(): { name: string; op: string; int8: boolean }[] {
    return this.steps.filter((s) => s.op !== 'quantize' && s.op !== 'dequantize').map((s) => ({ name: s.layer, op: s.op,
      int8: s.op !== 'layer' && s.op !== 'activation' && s.op !== 'permute' }));
  }

  /** Bytes of weights and parameter blocks in linear memory. */
  get weightBytes(): number {
    let n = 0;
    for (const r of this.resources.values()) n += r.weights.byteLength + r.params.byteLength;
    return n;
  }

  /** Prints one line per step (its layer, kernel and dtypes), then the layers left in f32. */
  summary(printFn: (line: string) => void = console.log): void {
    printFn(`QuantizedModel (${this.mode}), input [null,${this.inputShape}], ${this.weightBytes} bytes of weights`);
    for (const s of this.steps) {
      if (this.absorbed.has(s)) continue;
      const pool = s.op === 'conv2d' ? this.pooled.get(s) : undefined;
      const how = (s.op === 'conv2d' && this.winograd(s) ? ', Winograd F(2x2, 3x3)' : '') +
        (pool !== undefined ? `, then ${pool.layer} (2x2 max pooling) in the same kernel` : '');
      const what = s.op === 'dense' || s.op === 'conv2d' || s.op === 'depthwise'
        ? `${s.op} ${s.k}x${s.n} int8 weights, ${s.inQ ? 'int8' : 'f32 (quantized per batch)'} in, ${s.outQ ? 'int8' : 'f32'} out, ${s.activation}${how}`
        : s.op === 'layer' ? 'f32 (fallback)' : s.op === 'add' ? `add int8${s.activation === 'linear' ? '' : `, ${s.activation}`}`
        : s.op === 'permute' ? 'permute (f32, before the quantize)' : s.op;
      printFn(`  ${s.layer.padEnd(24)} ${what}`);
    }
    if (this.fallbacks.length > 0) printFn(`  f32 fallbacks: ${this.fallbacks.join('; ')}`);
  }

  private run(x: Tensor): Tensor {
    const vals: (Tensor | QValue)[] = new Array(this.slots);
    // Keras's implicit masks, as LayersModel.execute hands them on (an Embedding with maskZero
    // makes one; recurrent layers, attention and 1-D pooling read it): through the f32 layers and
    // the steps that keep the time axis (quantize, dequantize, dense on the last axis, activations).
    const masks: (Tensor | null)[] = new Array(this.slots).fill(null);
    vals[0] = x;
    const b = x.shape[0];
    const k = engine.k;
    for (const s of this.steps) {
      if (this.absorbed.has(s)) continue;
      const op = `predict: ${s.layer}`;
      switch (s.op) {
        case 'quantize': { const t = vals[s.in] as Tensor; vals[s.out] = quantizeTensor(op, t, [...t.shape], s.qp); break; }
        case 'dequantize': vals[s.out] = dequantizeTensor(op, vals[s.in] as QValue); break;
        case 'dense': case 'conv2d': case 'depthwise': {
          const r = this.resources.get(s)!;
          let xq: QValue;
          if (s.inQ === null) {
            // dynamic mode: this batch's range
            const t = vals[s.in] as Tensor;
            const [lo, hi] = tensorRange(op, t);
            xq = quantizeTensor(op, t, [...t.shape], affineParams(Number.isFinite(lo) ? lo : 0, Number.isFinite(hi) ? hi : 0));
            new Float32Array(k.memory.buffer, r.params.ptr + 28, 1)[0] = xq.qp.scale;
          } else {
            xq = vals[s.in] as QValue;
          }
          // a conv with a pooling absorbed writes the pooling's output slot
          const pool = this.pooled.get(s);
          vals[pool?.out ?? s.out] = s.op === 'dense' ? qgemm(op, xq, r.weights, r.params, s.k, s.n, s.outQ)
            : qconv(op, xq, r.weights, r.params, s.geom!, s.n, s.outQ, s.depthMultiplier, pool !== undefined, this.winograd(s));
          break;
        }
        case 'maxpool': case 'avgpool': {
          const v = qpool(op, vals[s.in] as QValue, s.geom, s.op === 'maxpool');
          vals[s.out] = { ...v, shape: [b, ...s.shape] };
          break;
        }
        case 'add': {
          const [qmin, qmax] = clampRange(s.activation, s.outQ);
          const mult = addMultipliers(s.aQ.scale / s.outQ.scale, s.bQ.scale / s.outQ.scale);
          vals[s.out] = qadd(op, vals[s.in[0]] as QValue, vals[s.in[1]] as QValue, s.outQ, mult, qmin, qmax);
          break;
        }
        case 'permute': vals[s.out] = transpose(vals[s.in] as Tensor, [0, ...s.dims]); break;
        case 'reshape': {
          const v = vals[s.in];
          vals[s.out] = v instanceof Tensor ? reshape(v, [b, ...s.shape]) : { ...v, shape: [b, ...s.shape] };
          break;
        }
        case 'activation': vals[s.out] = applyNamed(s.name, vals[s.in] as Tensor); break;
        case 'pool_f32': {
          const t = vals[s.in] as Tensor;
          vals[s.out] = s.kind === 'global' ? globalAveragePool2d(t) : (s.kind === 'max' ? maxPool : avgPool)(t, s.poolSize, s.strides, s.padding);
          break;
        }
        case 'layer': {
          const ins = s.in.map((i) => vals[i] as Tensor);
          const inputs = s.node.listInput ? ins : ins[0];
          const inMasks = s.in.map((i) => masks[i]);
          const mask: InputMask = s.node.listInput ? (inMasks.some((m) => m !== null) ? inMasks : null) : inMasks[0];
          vals[s.out] = s.node.layer.call(inputs, { ...s.node.callArgs, training: false, ...(mask !== null ? { mask } : {}) });
          const outMask = s.node.layer.computeMask(inputs, mask);
          masks[s.out] = Array.isArray(outMask) ? outMask[0] : outMask;
          break;
        }
      }
      if (s.op === 'quantize' || s.op === 'dequantize' || s.op === 'activation' || s.op === 'dense') masks[s.out] = masks[s.in];
    }
    return vals[this.output] as Tensor;
  }

  /** Inference (f32 in, f32 out) in batches of batchSize, as LayersModel.predict. */
  predict(x: Tensor, args: { batchSize?: number } = {}): Tensor {
    if (this.disposed) throw new Error('predict: the QuantizedModel is disposed');
    if (!(x instanceof Tensor)) throw new Error(`predict: expects a Tensor, got ${typeof x}`);
    x.assertLive('predict');
    if (x.dtype !== 'float32') throw new Error(`predict: input must be float32, got ${x.dtype}`);
    if (x.rank !== this.inputShape.length + 1 || this.inputShape.some((d, i) => d !== x.shape[i + 1]) ||
        (this.firstAxis !== null && x.shape[0] !== this.firstAxis)) {
      throw new Error(`predict: input must have shape [${this.firstAxis ?? 'null'},${this.inputShape}], got ${fmt(x.shape)}`);
    }
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`predict: batchSize must be a positive integer, got ${batchSize}`);
    const n = x.shape[0];
    if (n <= batchSize || this.firstAxis !== null) return tidy(() => this.run(x));
    const parts: Tensor[] = [];
    try {
      for (let i = 0; i < n; i += batchSize) {
        const size = Math.min(batchSize, n - i);
        parts.push(tidy(() => this.run(slice(x, [i], [size]))));
      }
      return tidy(() => concat(parts, 0));
    } finally {
      for (const p of parts) p.dispose();
    }
  }

  /** Frees the packed weights and parameter blocks. Idempotent. */
  dispose(): void {
    this.disposed = true;
    for (const r of this.resources.values()) { r.weights.dispose(); r.params.dispose(); }
    this.resources.clear();
    for (const l of this.ownedLayers) l.dispose();
  }

  get isDisposed(): boolean { return this.disposed; }
}
