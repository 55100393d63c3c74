// The sparse encoding of a stored tensor (pruned weights are mostly zeros):
//
//   ┌──────────────────────────────┬─────────────────────────────────────┐
//   │ mask: ceil(n/8) bytes        │ values: nnz elements of esize bytes │
//   │ bit i of byte i>>3 = elem i≠0│ the nonzero elements, in order      │
//   └──────────────────────────────┴─────────────────────────────────────┘
//
// An element is zero when all its bytes are (so float −0 stays nonzero and round trips bit for
// bit). Runs on the file's bytes in JS memory while saving or loading, not on arena tensors.

/** Nonzero elements of n elements of esize bytes. */
export function countNonzero(dense: Uint8Array, esize: number, n: number): number {
  let nnz = 0;
  for (let i = 0, p = 0; i < n; i++, p += esize) {
    for (let b = 0; b < esize; b++) {
      if (dense[p + b] !== 0) { nnz++; break; }
    }
  }
  return nnz;
}

/** Bytes of the sparse form. */
export function sparseLength(n: number, nnz: number, esize: number): number {
  return Math.ceil(n / 8) + nnz * esize;
}

/** Writes the sparse form of dense into out (sparseLength bytes, zeroed). */
export function encodeSparse(dense: Uint8Array, esize: number, n: number, out: Uint8Array): void {
  const maskBytes = Math.ceil(n / 8);
  let q = maskBytes;
  for (let i = 0, p = 0; i < n; i++, p += esize) {
    let nonzero = false;
    for (let b = 0; b < esize; b++) if (dense[p + b] !== 0) { nonzero = true; break; }
    if (!nonzero) continue;
    out[i >> 3] |= 1 << (i & 7);
    out.set(dense.subarray(p, p + esize), q);
    q += esize;
  }
}

/**
 * The dense bytes of a sparse block, or a message saying what is wrong with it (the mask must
 * have exactly nnz bits set, none past n). Allocates only n·esize bytes, which the caller has
 * checked against the mask's length.
 */
export function decodeSparse(src: Uint8Array, esize: number, n: number, nnz: number): Uint8Array | string {
  const maskBytes = Math.ceil(n / 8);
  let bits = 0;
  for (let j = 0; j < maskBytes; j++) {
    let m = src[j];
    if (j === maskBytes - 1 && (n & 7) !== 0 && m >> (n & 7) !== 0) return 'mask has bits set past the last element';
    for (; m !== 0; m &= m - 1) bits++;
  }
  if (bits !== nnz) return `mask has ${bits} nonzero elements but nnz is ${nnz}`;
  const out = new Uint8Array(n * esize);
  let q = maskBytes;
  for (let i = 0; i < n; i++) {
    if ((src[i >> 3] & (1 << (i & 7))) === 0) continue;
    out.set(src.subarray(q, q + esize), i * esize);
    q += esize;
  }
  return out;
}
