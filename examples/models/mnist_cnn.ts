// The MNIST CNN of shared/FIGURES.md: conv 3x3 relu → maxPool 2 → conv 3x3 relu → maxPool 2 →
// flatten → dense relu → dense 10 softmax, input [28, 28, 1] (32 and 64 filters, 128 units unless
// asked otherwise). The demo, the browser demo's model, the edge report's student, the int8
// bench and the API tests build it here, each with its own seeds.
import * as lp from '../../js-bindings/index.js';

export interface MnistCnnOptions {
  /** Filters of the two convolutions (default [32, 64]). */
  filters?: [number, number];
  /** Units of the hidden dense layer (default 128). */
  units?: number;
  /** Seed of kernel i (1: first conv, 2: second conv, 3: hidden dense, 4: output); unseeded
   *  Glorot-uniform kernels when absent. */
  kernelSeed?: (i: number) => number;
  /** Dropout after the flatten and after the hidden dense layer, when given. */
  dropout?: [{ rate: number; seed?: number }, { rate: number; seed?: number }];
}

export function mnistCnn({ filters = [32, 64], units = 128, kernelSeed, dropout }: MnistCnnOptions = {}): lp.LayersModel {
  const init = (i: number) => (kernelSeed === undefined ? {} : { kernelInitializer: lp.initializers.glorotUniform({ seed: kernelSeed(i) }) });
  return lp.sequential([
    lp.layers.conv2d({ filters: filters[0], kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], ...init(1) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.conv2d({ filters: filters[1], kernelSize: 3, activation: 'relu', ...init(2) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    ...(dropout ? [lp.layers.dropout(dropout[0])] : []),
    lp.layers.dense({ units, activation: 'relu', ...init(3) }),
    ...(dropout ? [lp.layers.dropout(dropout[1])] : []),
    lp.layers.dense({ units: 10, activation: 'softmax', ...init(4) }),
  ]);
}
