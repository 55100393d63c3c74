// The steps of a QuantizedModel: what plan.ts produces, run.ts executes and artifacts.ts saves.
// Slots are numbered values (slot 0 is the model input); shapes are without the batch.
import type { LayerNode } from '../layers/layer.js';
import type { QParams } from './params.js';
import type { ConvGeom } from './kernels.js';

export interface MatStep {
  op: 'dense' | 'conv2d' | 'depthwise';
  layer: string; in: number; out: number;
  /** GEMM view: K inputs per output, N outputs (channels). */
  k: number; n: number;
  geom?: ConvGeom;
  /** Depthwise only: output channels per input channel (0 otherwise). */
  depthMultiplier: number;
  /** Fused into the epilogue (others run after, in f32). */
  activation: 'linear' | 'relu' | 'relu6';
  /** The int8 input's parameters; null in dynamic mode (quantized per batch). */
  inQ: QParams | null;
  /** int8 output parameters; null: float output (dequantize fused). */
  outQ: QParams | null;
  /** int8 weights [K, N] (depthwise: [kh, kw, c, multiplier]), scale per output channel, f32 bias. */
  wq: Int8Array; scale: Float32Array; bias: Float32Array;
  weightShape: number[];
}

export type Step =
  | MatStep
  | { op: 'quantize'; layer: string; in: number; out: number; qp: QParams }
  | { op: 'dequantize'; layer: string; in: number; out: number }
  | { op: 'maxpool' | 'avgpool'; layer: string; in: number; out: number; geom: ConvGeom; shape: number[] }
  | { op: 'reshape'; layer: string; in: number; out: number; shape: number[] }
  /** Two int8 inputs added and requantized to outQ (a following ReLU / ReLU6 fused as a clamp). */
  | { op: 'add'; layer: string; in: [number, number]; out: number; aQ: QParams; bQ: QParams; outQ: QParams;
      activation: 'linear' | 'relu' | 'relu6'; shape: number[] }
  /** Permute (1-based dims over the non-batch axes) of a float value, before the input's quantize. */
  | { op: 'permute'; layer: string; in: number; out: number; dims: number[]; shape: number[] }
  | { op: 'activation'; layer: string; in: number; out: number; name: string }
  /** f32 pooling (dynamic mode): window and strides [h, w]; global: the whole image. */
  | { op: 'pool_f32'; layer: string; in: number; out: number; kind: 'max' | 'avg' | 'global'; poolSize: [number, number];
      strides: [number, number]; padding: 'same' | 'valid'; shape: number[] }
  /** A layer that runs in f32 (saved as its class, config and weights). */
  | { op: 'layer'; layer: string; in: number[]; out: number; node: LayerNode };
