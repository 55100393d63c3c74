// The MNIST CNN of shared/FIGURES.md for the API tests (examples/models/mnist_cnn.ts), with
// seeded kernels when a seed is given and dropout layers when asked.
import type * as lp from '../../js-bindings/index.js';
import { mnistCnn as build } from '../../examples/models/mnist_cnn.js';

export interface CnnOptions { seed?: number; dropout?: boolean }

export function mnistCnn({ seed, dropout = false }: CnnOptions = {}): lp.LayersModel {
  return build({ kernelSeed: seed === undefined ? undefined : (i) => seed * 10 + i,
    dropout: dropout ? [{ rate: 0.25, seed: 1 }, { rate: 0.5 }] : undefined });
}
