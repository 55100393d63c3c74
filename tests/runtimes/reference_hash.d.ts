// Types of reference_hash.js.
export const HASH_FILE_VAR: 'LEPTON_WEIGHTS_HASH_FILE';
/** The file's path, or undefined when the variable is unset. */
export function hashFile(): string | undefined;
/** The reference hash, or null when there is no file to read (a test file run alone). */
export function readReferenceHash(): string | null;
export function writeReferenceHash(file: string, hash: string): void;
