// npm run demo:text (first part): spam or ham on the Spam Assassin corpus, in WebAssembly SIMD on
// one thread. Two models read the same word ids and report test accuracy and training time:
//
//   bag of embeddings:  embedding 20000x16 (maskZero) → globalAveragePooling1d → dense 1 sigmoid
//   transformer:        tokenAndPositionEmbedding 20000x32 + 256x32 (maskZero) → transformerEncoder
//                       (2 heads, feed-forward 64) → globalAveragePooling1d → dense 1 sigmoid
//
// Split (js-bindings/data/spam.ts): per group of the corpus the last 20% in corpus order are the
// test set (4,837 training and 1,209 test messages). Text: the Subject header and the body, no
// routing headers. Tokens: words, lower-cased, Keras's punctuation filters, the 20,000 most
// frequent (the rest share the OOV id), ids padded at the end ('post', masked by maskZero).
// The bag model reads the first 400 words, the transformer the first 256 (attention's cost grows
// with the square of the length).
//
// Then the bag model is saved with its tokenizer (capped to the ids it reads) in one model file,
// loaded back, and the loaded pair classifies two new messages from their raw text.
//
//   npm run demo:text -- [--seed N] [--epochs N] [--transformer-epochs N]
import * as lp from '../js-bindings/node.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seed = option('seed', 1);
const VOCAB = 20000;

await lp.ready();
const info = lp.backendInfo();
console.log(`Lepton ${info.build} build (${info.relaxedSimd ? 'relaxed SIMD' : 'SIMD128'}), one thread`);

const { train, test } = lp.loadSpamAssassin();
const textOf = (m: lp.data.SpamMessage) => `${m.subject}\n${m.body}`;
const spamCount = (list: lp.data.SpamMessage[]) => list.filter((m) => m.spam).length;
console.log(`Spam Assassin: ${train.length} training messages (${spamCount(train)} spam), ${test.length} test (${spamCount(test)} spam)`);

let t0 = performance.now();
const tokenizer = new lp.data.Tokenizer({ numWords: VOCAB, oovToken: '<oov>' });
tokenizer.fitOnTexts(train.map(textOf));
const trainIds = tokenizer.textsToSequences(train.map(textOf));
const testIds = tokenizer.textsToSequences(test.map(textOf));
const yTrain = lp.keep(lp.tensor(train.map((m) => Number(m.spam)), [train.length, 1]));
const yTest = lp.keep(lp.tensor(test.map((m) => Number(m.spam)), [test.length, 1]));
console.log(`tokenizer: ${tokenizer.wordIndex.size} distinct words, the ${VOCAB - 2} most frequent kept; ` +
  `${(performance.now() - t0).toFixed(0)} ms to fit and convert`);

/** Ids padded or cut at the end to maxLen (persistent tensors). */
const padded = (ids: number[][], maxLen: number) => lp.keep(lp.data.padSequences(ids, { maxLen, padding: 'post', truncating: 'post' }));

/** Trains a binary classifier, then prints and returns its test accuracy. */
async function trainAndTest(name: string, model: lp.LayersModel, x: lp.Tensor, xTest: lp.Tensor, epochs: number, lr: number): Promise<number> {
  model.compile({ optimizer: lp.train.adam(lr), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const start = performance.now();
  await model.fit(x, yTrain, { epochs, batchSize: 32, shuffle: true, seed, verbose: 0 });
  const seconds = (performance.now() - start) / 1000;
  const [loss, acc] = model.evaluate(xTest, yTest, { batchSize: 256 }) as lp.Tensor[];
  const accuracy = acc.dataSync()[0];
  lp.dispose([loss, acc]);
  console.log(`${name}: test accuracy ${(accuracy * 100).toFixed(2)}% after ${epochs} epochs, ` +
    `training ${seconds.toFixed(1)} s (${model.countParams()} parameters)`);
  return accuracy;
}

const init = (s: number) => lp.initializers.glorotUniform({ seed: seed * 100 + s });
const embedInit = (s: number) => lp.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed * 100 + s });

// 1. Bag of embeddings: the mean of the word vectors of the real (unmasked) words.
const BAG_LEN = 400;
const xBag = padded(trainIds, BAG_LEN), xBagTest = padded(testIds, BAG_LEN);
const bag = lp.sequential([
  lp.layers.embedding({ inputDim: VOCAB, outputDim: 16, maskZero: true, inputShape: [BAG_LEN], embeddingsInitializer: embedInit(1) }),
  lp.layers.globalAveragePooling1d(),
  lp.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(2) }),
]);
await trainAndTest('embedding + average pooling', bag, xBag, xBagTest, option('epochs', 8), 0.01);

// 2. A small transformer encoder over the first 256 words.
const TF_LEN = 256;
const xTf = padded(trainIds, TF_LEN), xTfTest = padded(testIds, TF_LEN);
const ids = lp.input({ shape: [TF_LEN], dtype: 'int32' });
const embedded = lp.layers.tokenAndPositionEmbedding({ vocabularySize: VOCAB, sequenceLength: TF_LEN, embeddingDim: 32,
  maskZero: true, embeddingsInitializer: embedInit(3) }).apply(ids) as lp.SymbolicTensor;
const encoded = lp.layers.transformerEncoder({ intermediateDim: 64, numHeads: 2, kernelInitializer: init(4) }).apply(embedded) as lp.SymbolicTensor;
const pooled = lp.layers.globalAveragePooling1d().apply(encoded) as lp.SymbolicTensor;
const transformer = lp.model({ inputs: ids,
  outputs: lp.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(5) }).apply(pooled) as lp.SymbolicTensor });
await trainAndTest('transformer encoder', transformer, xTf, xTfTest, option('transformer-epochs', 4), 0.002);

// 3. One file for the model and its tokenizer; the loaded pair classifies raw text.
const file = lp.io.save(bag, { tokenizer: tokenizer.capped() }); // only the 20,000 ids the model reads
const { model: loaded, tokenizer: loadedTokenizer } = lp.io.load(file, { withTokenizer: true });
const examples = [
  'Re: patch for the build\nThanks, I applied your patch to CVS and the tests pass now. Can you check the release notes?',
  'FREE money!!!\nClick here to claim your cash prize now. Limited time offer, order today and get 100% free bonus!',
];
const scores = lp.tidy(() => loaded.predict(lp.data.padSequences(loadedTokenizer!.textsToSequences(examples),
  { maxLen: BAG_LEN, padding: 'post', truncating: 'post' })) as lp.Tensor).dataSync();
console.log(`model file with tokenizer: ${(file.length / 1024).toFixed(0)} KiB; spam probability of two new messages: ` +
  examples.map((e, i) => `"${e.split('\n')[0]}" ${scores[i].toFixed(3)}`).join(', '));

lp.dispose([loaded, bag, transformer, xBag, xBagTest, xTf, xTfTest, yTrain, yTest]);
