// The two models the training benchmark and the exactness check train, as tfjs-layers models:
//   'mlp': dense 784→256 relu → 128 relu → 10 softmax, input [batch, 784]
//   'cnn' (the seed CNN, bench/shapes.ts): conv 3x3 32 relu (28x28x1, valid) → maxPool 2 →
//          conv 3x3 64 relu → maxPool 2 → flatten → dense 128 relu → dense 10 softmax
// getWeights() order: [kernel, bias] per layer, first layer first; kernels [in, out] (dense) and
// [kh, kw, cin, cout] (conv), as Lepton's layers. The model runs on whichever tfjs backend is set.
import * as tfl from '@tensorflow/tfjs-layers';

export type TrainKind = 'mlp' | 'cnn';

/** One sample's input shape (without the batch dimension). */
export const INPUT_SHAPE: Record<TrainKind, number[]> = { mlp: [784], cnn: [28, 28, 1] };
export const CLASSES = 10;

/** Shapes of getWeights(), in order. */
export const WEIGHT_SHAPES: Record<TrainKind, number[][]> = {
  mlp: [[784, 256], [256], [256, 128], [128], [128, 10], [10]],
  cnn: [[3, 3, 1, 32], [32], [3, 3, 32, 64], [64], [1600, 128], [128], [128, 10], [10]],
};

/**
 * The model, uncompiled. Kernels start glorot-uniform and biases zero, as tfjs-layers' defaults;
 * the kernel initializers are seeded (seed, seed + 1, ... by layer) so a run is reproducible.
 */
export function tfjsModel(kind: TrainKind, seed: number): tfl.Sequential {
  let layer = 0;
  const init = () => tfl.initializers.glorotUniform({ seed: seed + layer++ });
  const layers = kind === 'mlp' ? [
    tfl.layers.dense({ units: 256, activation: 'relu', inputShape: INPUT_SHAPE.mlp, kernelInitializer: init() }),
    tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }),
    tfl.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init() }),
  ] : [
    tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: INPUT_SHAPE.cnn,
      kernelInitializer: init() }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init() }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }),
    tfl.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init() }),
  ];
  return tfl.sequential({ layers });
}
