// Where the same-seed check finds its reference: the file named by LEPTON_WEIGHTS_HASH_FILE, which
// the Node SIMD128 smoke run writes (tests/run-all.sh sets the variable to a fresh path and runs
// that one before the other runtimes). Used by smoke.test.ts (Node, Deno, Bun: plain JavaScript,
// because Deno does not map a '.js' import onto a '.ts' file) and by browser.ts.
import process from 'node:process';
import { readFileSync, writeFileSync } from 'node:fs';

export const HASH_FILE_VAR = 'LEPTON_WEIGHTS_HASH_FILE';

/** The file's path, or undefined when the variable is unset (Deno needs --allow-env to read it). */
export function hashFile() {
  return process.env[HASH_FILE_VAR] || undefined;
}

/** The reference hash, or null when there is no file to read (a test file run alone). */
export function readReferenceHash() {
  const file = hashFile();
  if (file === undefined) return null;
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`no reference hash in ${file} (${HASH_FILE_VAR}): the Node SIMD128 smoke run writes it ` +
      `and tests/run-all.sh runs that one first (${e.message})`);
  }
  const hash = text.trim();
  if (!/^[0-9a-f]{16}$/.test(hash)) throw new Error(`${file} (${HASH_FILE_VAR}) holds no 16-digit hex hash: '${hash}'`);
  return hash;
}

export function writeReferenceHash(file, hash) {
  writeFileSync(file, `${hash}\n`);
}
