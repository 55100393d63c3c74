// lp.data of the core entry: batching, shuffling, seeded image augmentation and one-hot labels.
// The full entry's lp.data (./full.ts) adds the dataset parsers (MNIST, IDX, CIFAR-10) and text
// (tokenizer, padding, the spam split). Node-only file helpers (loadMnist, loadSpamAssassin,
// loadFemaleFirstNames) are in the Node/Deno/Bun entry, js-bindings/node.ts.
export { batches, shuffledIndices, type Batch, type BatchOptions, type Batches } from './batching.js';
export { augment, augmentParams, type AugmentOptions } from './augment.js';
export { oneHot } from './one_hot.js';
