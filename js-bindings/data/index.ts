// lp.data: loading, batching and augmenting training data; text (tokenizer, padding, the spam
// split). Node-only file helpers (loadMnist, loadSpamAssassin, loadFemaleFirstNames) are in the
// Node/Deno/Bun entry, js-bindings/node.ts.
export { mnistSplit, mnistTrainCount, type MnistSplit } from './mnist.js';
export { parseIdx, mnistFromIdx, type IdxArray, type IdxDType, type IdxData, type LabelledImages } from './idx.js';
export { parseCifar10, CIFAR10_CLASSES } from './cifar10.js';
export { batches, shuffledIndices, type Batch, type BatchOptions, type Batches } from './batching.js';
export { augment, augmentParams, type AugmentOptions } from './augment.js';
export { oneHot } from './one_hot.js';
export { Tokenizer, DEFAULT_FILTERS, type TokenizerArgs, type TokenizerConfig } from './text.js';
export { type TokenizerJSON } from './tokenizer_json.js';
export { padSequences, sequencesToTensor, type PadSequencesOptions } from './sequences.js';
export { parseEmail, spamSplit, spamTestCount, SPAM_GROUPS, type SpamGroup, type SpamMessage, type SpamSplit } from './spam.js';
