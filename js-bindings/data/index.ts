// lp.data: loading, batching and augmenting training data. Node-only file helpers (loadMnist)
// are in the Node/Deno/Bun entry, js-bindings/node.ts.
export { mnistSplit, mnistTrainCount, type MnistSplit } from './mnist.js';
export { parseIdx, mnistFromIdx, type IdxArray, type IdxDType, type IdxData, type LabelledImages } from './idx.js';
export { parseCifar10, CIFAR10_CLASSES } from './cifar10.js';
export { batches, shuffledIndices, type Batch, type BatchOptions, type Batches } from './batching.js';
export { augment, augmentParams, type AugmentOptions } from './augment.js';
export { oneHot } from './one_hot.js';
