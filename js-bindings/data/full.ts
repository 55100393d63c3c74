// lp.data of the full entry (lepton-wasm): the core entry's (./index.ts), the dataset parsers and
// text (tokenizer, padding, the spam split).
export * from './index.js';
export { mnistSplit, mnistTrainCount, type MnistSplit } from './mnist.js';
export { parseIdx, mnistFromIdx, type IdxArray, type IdxDType, type IdxData, type LabelledImages } from './idx.js';
export { parseCifar10, CIFAR10_CLASSES } from './cifar10.js';
export { Tokenizer, DEFAULT_FILTERS, type TokenizerArgs, type TokenizerConfig } from './text.js';
export { type TokenizerJSON } from './tokenizer_json.js';
export { padSequences, sequencesToTensor, type PadSequencesOptions } from './sequences.js';
export { parseEmail, spamSplit, spamTestCount, SPAM_GROUPS, type SpamGroup, type SpamMessage, type SpamSplit } from './spam.js';
