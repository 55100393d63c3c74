// The IDX format (LeCun's MNIST files; Fashion-MNIST, EMNIST and KMNIST use it too):
//
//   ┌──────┬──────┬───────────┬──────┬──────────────────────────────┬──────────────────────────┐
//   │ 0x00 │ 0x00 │ type byte │ ndim │ ndim dims, u32 big-endian    │ data, row-major,         │
//   │      │      │           │      │ (4·ndim bytes)               │ big-endian, Π dims values│
//   └──────┴──────┴───────────┴──────┴──────────────────────────────┴──────────────────────────┘
//   type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//
// Files are untrusted: the header, every dim and the product of the dims are checked against the
// byte length before anything is allocated, and the data must fill the file exactly. Errors name
// the function, the file and the problem.
import type { Tensor } from '../tensor.js';
import { fromValues, datasetTensors } from './tensors.js';

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** Images [N, H, W, C] float32 and their labels [N] int32. */
export interface LabelledImages {
  x: Tensor<'float32'>;
  y: Tensor<'int32'>;
}

export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  /** The values in row-major order, converted to the platform's byte order. */
  data: IdxData;
}

const TYPES: Record<number, [IdxDType, number]> = {
  0x08: ['uint8', 1], 0x09: ['int8', 1], 0x0B: ['int16', 2], 0x0C: ['int32', 4], 0x0D: ['float32', 4],
  0x0E: ['float64', 8],
};

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;

/** parseIdx with errors that start with `prefix` (e.g. "mnistFromIdx: image file"). */
function parse(prefix: string, bytes: Uint8Array): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`${prefix}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  }
  const length = bytes.length;
  if (length < 4) throw new Error(`${prefix}: truncated: ${length} bytes, an IDX header has at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gzip = bytes[0] === 0x1F && bytes[1] === 0x8B ? ' (this is gzip data: decompress it first)' : '';
    throw new Error(`${prefix}: wrong magic ${hex(bytes[0])} ${hex(bytes[1])}; an IDX file starts with 0x00 0x00${gzip}`);
  }
  const type = TYPES[bytes[2]];
  if (type === undefined) {
    throw new Error(`${prefix}: unknown type byte ${hex(bytes[2])}; expected 0x08 uint8, 0x09 int8, ` +
      '0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64');
  }
  const [dtype, size] = type;
  const ndim = bytes[3];
  if (ndim === 0) throw new Error(`${prefix}: ndim is 0; an IDX array has at least one dimension`);
  const header = 4 + 4 * ndim;
  if (length < header) {
    throw new Error(`${prefix}: truncated header: ${ndim} dims need ${header} bytes, the file has ${length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    shape.push(view.getUint32(4 + 4 * i, false));
    count *= shape[i];
    if (count * size > length - header) break;  // so count stays below 2^53: exact
  }
  const dataBytes = length - header;
  if (shape.length < ndim || count * size > dataBytes) {
    const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
    const need = dims.reduce((a, b) => a * BigInt(b), BigInt(size));
    throw new Error(`${prefix}: truncated or corrupt: dims [${dims}] of ${dtype} need ${need} data bytes, ` +
      `the file has ${dataBytes} after its ${header}-byte header`);
  }
  if (count * size < dataBytes) {
    throw new Error(`${prefix}: ${dataBytes - count * size} bytes after the data of dims [${shape}] ` +
      `(${dtype}); the file is longer than its header says`);
  }
  return { dtype, shape, data: decode(dtype, view, header, count, size) };
}

/** count big-endian values of dtype at view[offset..] in a new typed array. */
function decode(dtype: IdxDType, view: DataView, offset: number, count: number, size: number): IdxData {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, count * size);
  switch (dtype) {
    case 'uint8': return bytes.slice();
    case 'int8': return new Int8Array(bytes.slice().buffer);
    case 'int16': return decodeWith(new Int16Array(count), (i) => view.getInt16(offset + 2 * i, false));
    case 'int32': return decodeWith(new Int32Array(count), (i) => view.getInt32(offset + 4 * i, false));
    case 'float32': return decodeWith(new Float32Array(count), (i) => view.getFloat32(offset + 4 * i, false));
    case 'float64': return decodeWith(new Float64Array(count), (i) => view.getFloat64(offset + 8 * i, false));
  }
}

function decodeWith<T extends Int16Array | Int32Array | Float32Array | Float64Array>(out: T,
    get: (i: number) => number): T {
  for (let i = 0; i < out.length; i++) out[i] = get(i);
  return out;
}

/** An IDX file's dtype, shape and values (no tensor: any dtype, any rank). */
export function parseIdx(bytes: Uint8Array): IdxArray {
  return parse('parseIdx', bytes);
}

/**
 * MNIST-style IDX files (train-images-idx3-ubyte and train-labels-idx1-ubyte, decompressed):
 * x [N, rows, cols, 1] float32 = byte / 255, y [N] int32 labels 0..9. Persistent tensors.
 */
export function mnistFromIdx(imageBytes: Uint8Array, labelBytes: Uint8Array): LabelledImages {
  const op = 'mnistFromIdx';
  const images = parse(`${op}: image file`, imageBytes);
  const labels = parse(`${op}: label file`, labelBytes);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new Error(`${op}: image file: expected uint8 [N, rows, cols], got ${images.dtype} [${images.shape}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new Error(`${op}: label file: expected uint8 [N], got ${labels.dtype} [${labels.shape}]`);
  }
  const [n, rows, cols] = images.shape;
  if (labels.shape[0] !== n) {
    throw new Error(`${op}: the image file has ${n} images but the label file has ${labels.shape[0]} labels`);
  }
  const y = Int32Array.from(labels.data);
  const bad = y.findIndex((v) => v > 9);
  if (bad >= 0) throw new Error(`${op}: label file: label ${y[bad]} at position ${bad}; MNIST labels are 0..9`);
  const pixels = images.data;
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = pixels[i] / 255;
  const [xT, yT] = datasetTensors(op, [fromValues([n, rows, cols, 1], x), fromValues([n], y)]);
  return { x: xT as Tensor<'float32'>, y: yT as Tensor<'int32'> };
}
