// CIFAR-10 binary batches (data_batch_1.bin ... data_batch_5.bin, test_batch.bin from
// cifar-10-binary.tar.gz): records of 3073 bytes, no header:
//
//   ┌────────────┬────────────────────┬────────────────────┬────────────────────┐
//   │ label: u8  │ R: 1024 u8         │ G: 1024 u8         │ B: 1024 u8         │   × N
//   │ 0..9       │ 32x32, row-major   │ 32x32, row-major   │ 32x32, row-major   │
//   └────────────┴────────────────────┴────────────────────┴────────────────────┘
//
// parseCifar10 turns them into x [N, 32, 32, 3] float32 = byte / 255 (CHW planes interleaved into
// NHWC, the engine's image layout) and y [N] int32. The file is untrusted: its length must be a
// positive multiple of 3073 and every label 0..9, checked before anything is allocated. Labels:
// airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck (CIFAR10_CLASSES).
import type { Tensor } from '../tensor.js';
import type { LabelledImages } from './idx.js';
import { datasetTensors, fromValues } from './tensors.js';

const PLANE = 32 * 32;
const RECORD = 1 + 3 * PLANE;

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse',
  'ship', 'truck'] as const;

/** One CIFAR-10 binary batch file: {x [N,32,32,3] float32 in [0, 1], y [N] int32}. Persistent tensors. */
export function parseCifar10(bytes: Uint8Array): LabelledImages {
  const op = 'parseCifar10';
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`${op}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  }
  const length = bytes.length;
  if (length === 0 || length % RECORD !== 0) {
    throw new Error(`${op}: ${length} bytes is not a positive multiple of 3073 (a record is 1 label byte ` +
      `+ 3072 pixel bytes)${length > RECORD ? `: ${length % RECORD} bytes past the last whole record (truncated?)` : ''}`);
  }
  const n = length / RECORD;
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const label = bytes[r * RECORD];
    if (label > 9) {
      throw new Error(`${op}: record ${r} has label ${label}; CIFAR-10 labels are 0..9 (CIFAR-100 files ` +
        'have 2 label bytes per record and are not read here)');
    }
    y[r] = label;
  }
  // Parsing the file's bytes (not tensor data): planes R, G, B → interleaved pixels.
  const x = new Float32Array(n * 3 * PLANE);
  for (let r = 0, o = 0; r < n; r++) {
    const record = r * RECORD + 1;
    for (let p = 0; p < PLANE; p++, o += 3) {
      x[o] = bytes[record + p] / 255;
      x[o + 1] = bytes[record + PLANE + p] / 255;
      x[o + 2] = bytes[record + 2 * PLANE + p] / 255;
    }
  }
  const [xT, yT] = datasetTensors(op, [fromValues([n, 32, 32, 3], x), fromValues([n], y)]);
  return { x: xT as Tensor<'float32'>, y: yT as Tensor<'int32'> };
}
