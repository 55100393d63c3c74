// The MNIST CNN of shared/FIGURES.md for the API tests (conv 3x3 32 relu → maxPool 2 → conv 3x3
// 64 relu → maxPool 2 → flatten → dense 128 relu → dense 10 softmax, input [28, 28, 1]), with
// seeded kernels when a seed is given and the demo's dropout layers when asked.
import * as lp from '../../js-bindings/index.js';

export interface CnnOptions { seed?: number; dropout?: boolean }

export function mnistCnn({ seed, dropout = false }: CnnOptions = {}): lp.LayersModel {
  const init = (s: number) => (seed === undefined ? {} : { kernelInitializer: lp.initializers.glorotUniform({ seed: seed * 10 + s }) });
  return lp.sequential([
    lp.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], ...init(1) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', ...init(2) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    ...(dropout ? [lp.layers.dropout({ rate: 0.25, seed: 1 })] : []),
    lp.layers.dense({ units: 128, activation: 'relu', ...init(3) }),
    ...(dropout ? [lp.layers.dropout({ rate: 0.5 })] : []),
    lp.layers.dense({ units: 10, activation: 'softmax', ...init(4) }),
  ]);
}
