// The benchmark's shapes, as data (like XNNPACK's bench/models): issue 2's GEMM sizes and 3x3
// convolutions (NHWC input, 'valid' padding, stride 1), MobileNet's depthwise layers and the MNIST
// CNN of shared/FIGURES.md.
export const GEMM_SIZES = [64, 128, 256, 512, 1024];
/** Few-row products, [M, K] x [K, N]: batch-1 and batch-8 dense layers (M, K, N). */
export const SMALL_M_GEMMS: [number, number, number][] = [[1, 1024, 1024], [8, 1024, 1024], [1, 1600, 128]];

export interface ConvShape { input: [number, number, number, number]; filters: number; kernel: number }
export const CONV_SHAPES: ConvShape[] = [
  { input: [64, 28, 28, 1], filters: 32, kernel: 3 },
  { input: [64, 13, 13, 32], filters: 64, kernel: 3 },
  { input: [1, 224, 224, 3], filters: 32, kernel: 3 },
  { input: [1, 56, 56, 64], filters: 64, kernel: 3 },
];

/** The MNIST CNN's two convolutions at training batch 64: forward and backward kernels (--only convgrad). */
export const CONV_GRAD_SHAPES: ConvShape[] = [
  { input: [64, 28, 28, 1], filters: 32, kernel: 3 },
  { input: [64, 13, 13, 32], filters: 64, kernel: 3 },
];

export function convFlops(s: ConvShape): number {
  const [n, h, w, cin] = s.input;
  const oh = h - s.kernel + 1, ow = w - s.kernel + 1;
  return 2 * n * oh * ow * s.filters * s.kernel * s.kernel * cin;
}

/** Depthwise 3x3 'same' layers of MobileNet v1 (224x224 input): early, strided, late. */
export interface DwShape { input: [number, number, number, number]; stride: number }
export const DW_SHAPES: DwShape[] = [
  { input: [1, 112, 112, 32], stride: 1 },
  { input: [1, 112, 112, 64], stride: 2 },
  { input: [1, 14, 14, 512], stride: 1 },
];

export function dwFlops(s: DwShape): number {
  const [n, h, w, c] = s.input;
  return 2 * n * Math.ceil(h / s.stride) * Math.ceil(w / s.stride) * c * 9;
}

/** conv 3x3 32 relu → maxPool 2 → conv 3x3 64 relu → maxPool 2 → dense 128 relu → dense 10 softmax. */
export const CNN_BATCHES = [1, 256];

/** Multiply-add FLOPs of one MNIST CNN forward pass per sample (pooling and softmax not counted). */
export const CNN_FLOPS_PER_SAMPLE = 2 * (26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 1600 * 128 + 128 * 10);

// Training benchmark: one Adam step at this batch on the MLP 784-256-128-10 and on the seed CNN.
export const TRAIN_BATCH = 64;
const MLP_FORWARD = 2 * (784 * 256 + 256 * 128 + 128 * 10);
/**
 * FLOPs of one training sample: the forward pass, the weight gradients (as much again) and the
 * input gradients of every layer but the first (which nothing needs).
 */
export const TRAIN_FLOPS_PER_SAMPLE = {
  mlp: 2 * MLP_FORWARD + 2 * (256 * 128 + 128 * 10),
  cnn: 2 * CNN_FLOPS_PER_SAMPLE + 2 * (11 * 11 * 64 * 9 * 32 + 1600 * 128 + 128 * 10),
};
