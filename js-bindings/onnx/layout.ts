// NCHW → NHWC, once, at import. Every imported value knows its ONNX shape and may exist in up to
// three forms: 'onnx' (the graph's own layout), 'nhwc' (a rank-4 value with channels last, what
// Lepton's convolutions and pooling run on) and 'hwcFlat' (a Flatten of an NHWC value: the
// features in h, w, c order rather than ONNX's c, h, w). A form is made on demand, once, by a
// Permute (or Flatten, or Reshape-Permute-Flatten) layer, so a chain of convolutions never goes back to NCHW, and a Gemm after
// a Flatten takes the hwcFlat form with its weight rows permuted instead of a runtime transpose.
import type { SymbolicShape, SymbolicTensor } from '../layers/layer.js';

export type Form = 'onnx' | 'nhwc' | 'hwcFlat';

/** Permute dims (1-based, batch excluded): NCHW → NHWC and back. */
export const TO_NHWC = [2, 3, 1];
export const TO_NCHW = [3, 1, 2];

export class Val {
  readonly forms = new Map<Form, SymbolicTensor>();
  /** The (min, max) a QuantizeLinear → DequantizeLinear pair gave this value (qdq.ts), kept as int8 calibration. */
  range?: [number, number];
  /**
   * @param shape the ONNX shape (batch first, null when dynamic)
   * @param chw for a rank-2 value that is (an element-wise function of) a flattened rank-4 value:
   *   that value's [c, h, w], which lets it take the hwcFlat form
   * @param flatSource for the Flatten itself: the rank-4 value (its forms flatten directly)
   */
  constructor(readonly shape: SymbolicShape, readonly chw?: number[], readonly flatSource?: Val) {}

  /** A value held in one form; its ONNX shape follows from that form's shape. */
  static of(form: Form, sym: SymbolicTensor, chw?: number[], flatSource?: Val): Val {
    const s = sym.shape;
    const v = new Val(form === 'nhwc' ? [s[0], s[3], s[1], s[2]] : [...s], chw, flatSource);
    v.forms.set(form, sym);
    return v;
  }

  get rank(): number { return this.shape.length; }

  /** The form a layout-agnostic (element-wise) op should run on: one that exists, NHWC first. */
  preferred(): Form {
    for (const f of ['nhwc', 'hwcFlat', 'onnx'] as Form[]) if (this.forms.has(f)) return f;
    return 'onnx';
  }

  /** Whether `form` can be made for this value. */
  canHave(form: Form): boolean {
    return form === 'onnx' || (form === 'nhwc' && this.rank === 4) || (form === 'hwcFlat' && this.chw !== undefined);
  }
}

/** OIHW (ONNX conv weights) → HWIO (Lepton's conv2d kernel [kh, kw, cin, cout]). */
export function oihwToHwio(w: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((y * kw + x) * i + b) * o + a] = w[((a * i + b) * kh + y) * kw + x];
  }
  return out;
}

/** Depthwise OIHW [c*m, 1, kh, kw] (output channel c*m + j) → Lepton's [kh, kw, c, m] (the same order). */
export function depthwiseToHwcm(w: Float32Array, [cm, , kh, kw]: number[], c: number): Float32Array {
  const m = cm / c, out = new Float32Array(w.length);
  for (let ch = 0; ch < c; ch++) for (let j = 0; j < m; j++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((y * kw + x) * c + ch) * m + j] = w[((ch * m + j) * kh + y) * kw + x];
  }
  return out;
}

/** Rows of a [c*h*w, n] matrix reordered from ONNX's (c, h, w) flatten order to NHWC's (h, w, c). */
export function rowsChwToHwc(w: Float32Array, [c, h, wd]: number[], n: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) {
    out.set(w.subarray(((ch * h + y) * wd + x) * n, ((ch * h + y) * wd + x + 1) * n), ((y * wd + x) * c + ch) * n);
  }
  return out;
}

/** A [k, n] matrix transposed to [n, k]. */
export function transpose2d(w: Float32Array, k: number, n: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[j * k + i] = w[i * n + j];
  return out;
}

/** A constant of ONNX shape dims, broadcast to rank 4 (leading ones) and permuted to NHWC. */
export function constantToNhwc(data: Float32Array, dims: number[]): { data: Float32Array; dims: number[] } {
  const [n, c, h, w] = [...Array(4 - dims.length).fill(1), ...dims] as number[];
  const out = new Float32Array(data.length);
  for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((a * h + y) * w + x) * c + ch] = data[((a * c + ch) * h + y) * w + x];
  }
  return { data: out, dims: [n, h, w, c] };
}

/** Where ONNX axis a of a rank-4 value sits in its NHWC form. */
export const NHWC_AXIS = [0, 3, 1, 2];

/**
 * The form an axis-wise op (Concat, Slice, Pad, Reduce ...) should run on: NHWC when the value is
 * held that way (its axes mapped by NHWC_AXIS, no transpose), else ONNX's own layout.
 */
export function axisForm(x: Val): 'nhwc' | 'onnx' {
  return x.rank === 4 && x.preferred() === 'nhwc' ? 'nhwc' : 'onnx';
}

/** ONNX axis a in form f of a rank-4 (or any-rank ONNX-layout) value. */
export const axisIn = (form: Form, a: number): number => (form === 'nhwc' ? NHWC_AXIS[a] : a);
