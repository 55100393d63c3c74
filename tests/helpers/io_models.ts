// Models and file surgery for the model-file tests (io*.test.ts): small seeded models of each
// shape the issue names, and a way to rewrite a file's header (and re-checksum it) so that
// tests reach the checks that lie past the checksum.
import * as lp from '../../js-bindings/index.js';
import { mnistCnn as sharedCnn } from './cnn.js';
import { values } from './grad_check.js';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 written independently of js-bindings/io/crc32.ts (the test's own reference). */
export function crc32Ref(bytes: Uint8Array): number {
  let c = 0xFFFFFFFF;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xFF] ^ (c >>> 8);
  return (c ^ 0xFFFFFFFF) >>> 0;
}

/** Rewrites the last 4 bytes with the checksum of the rest. */
export function rechecksum(file: Uint8Array): Uint8Array {
  const out = file.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32Ref(out.subarray(0, out.length - 4)), true);
  return out;
}

export interface ParsedFile { json: Record<string, unknown> & { tensors: Record<string, unknown>[]; config: any }; dataStart: number }

export function parseFile(file: Uint8Array): ParsedFile {
  const headerLength = new DataView(file.buffer, file.byteOffset).getUint32(12, true);
  const json = JSON.parse(new TextDecoder().decode(file.subarray(16, 16 + headerLength)));
  return { json, dataStart: Math.ceil((16 + headerLength) / 16) * 16 };
}

/**
 * The file with its header replaced by mutate(header) (or by raw text), the data moved by a
 * multiple of 16 if the header grew (numeric tensor offsets follow it), and a valid checksum.
 */
export function withHeader(file: Uint8Array, mutate: ((json: ParsedFile['json']) => void) | string): Uint8Array {
  const { json, dataStart } = parseFile(file);
  if (typeof mutate === 'function') mutate(json);
  const data = file.subarray(dataStart, file.length - 4);
  for (let shift = 0; ;) {
    const moved = typeof mutate === 'string' ? null : structuredClone(json);
    moved?.tensors?.forEach?.((t) => { if (t !== null && typeof t === 'object' && typeof t.offset === 'number') t.offset += shift; });
    const text = new TextEncoder().encode(typeof mutate === 'string' ? mutate : JSON.stringify(moved));
    const start = Math.ceil((16 + text.length) / 16) * 16;
    if (start <= dataStart + shift) {
      const out = new Uint8Array(dataStart + shift + data.length + 4);
      out.set(file.subarray(0, 12));
      out.fill(0x20, 16, dataStart + shift);
      out.set(text, 16);
      new DataView(out.buffer).setUint32(12, dataStart + shift - 16, true);
      out.set(data, dataStart + shift);
      return rechecksum(out);
    }
    shift = start - dataStart;
  }
}

/** Gives every weight seeded values in [-0.6, 0.6] (variances positive), so round trips test real numbers. */
export function randomizeWeights(model: lp.LayersModel, seed: number): void {
  lp.tidy(() => model.setWeights(model.weights.map((w, i) => {
    const v = values(w.size, seed + i, -0.6, 0.6);
    if (w.name.includes('variance')) v.forEach((x, j) => { v[j] = 0.5 + Math.abs(x); });
    return lp.tensor(v, [...w.shape]);
  })));
}

/** The MNIST-style CNN of the issue (input [28, 28, 1]), with the demo's dropout layers. */
export const mnistCnn = (): lp.LayersModel => sharedCnn({ dropout: true });

export function mlp(inputs = 6, hidden = 16, classes = 3): lp.LayersModel {
  return lp.sequential([
    lp.layers.dense({ units: hidden, activation: 'relu', inputShape: [inputs] }),
    lp.layers.dense({ units: hidden, activation: 'tanh' }),
    lp.layers.dense({ units: classes, activation: 'softmax' }),
  ]);
}

/** A functional model: conv → batchNormalization → relu, a residual add, pooling, concatenate, dense. */
export function residual(size = 6, channels = 4): lp.LayersModel {
  const x = lp.input({ shape: [size, size, channels] });
  const c = lp.layers.conv2d({ filters: channels, kernelSize: 3, padding: 'same' }).apply(x) as lp.SymbolicTensor;
  const bn = lp.layers.batchNormalization().apply(c) as lp.SymbolicTensor;
  const r = lp.layers.activation({ activation: 'relu' }).apply(bn) as lp.SymbolicTensor;
  const sum = lp.layers.add().apply([x, r]) as lp.SymbolicTensor;
  const avg = lp.layers.globalAveragePooling2d().apply(sum) as lp.SymbolicTensor;
  const max = lp.layers.globalMaxPooling2d().apply(sum) as lp.SymbolicTensor;
  const both = lp.layers.concatenate().apply([avg, max]) as lp.SymbolicTensor;
  const y = lp.layers.dense({ units: 3, activation: 'softmax' }).apply(both) as lp.SymbolicTensor;
  return lp.model({ inputs: x, outputs: y });
}

/** Depthwise and separable convolutions, padding, average pooling, reshape, multiply. */
export function separable(size = 9, channels = 3): lp.LayersModel {
  const x = lp.input({ shape: [size, size, channels] });
  const p = lp.layers.zeroPadding2d({ padding: 1 }).apply(x) as lp.SymbolicTensor;
  const d = lp.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, activation: 'relu6' }).apply(p) as lp.SymbolicTensor;
  const s = lp.layers.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'elu' }).apply(d) as lp.SymbolicTensor;
  const gate = lp.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'sigmoid' }).apply(d) as lp.SymbolicTensor;
  const m = lp.layers.multiply().apply([s, gate]) as lp.SymbolicTensor;
  const a = lp.layers.averagePooling2d({ poolSize: 3, strides: 2 }).apply(m) as lp.SymbolicTensor;
  const flat = lp.layers.reshape({ targetShape: [-1] }).apply(a) as lp.SymbolicTensor;
  const y = lp.layers.dense({ units: 4 }).apply(flat) as lp.SymbolicTensor;
  return lp.model({ inputs: x, outputs: y });
}

/** Predictions as bytes (for bit-identical comparisons). */
export function predictBytes(model: lp.LayersModel, x: lp.Tensor): Uint8Array {
  return lp.tidy(() => new Uint8Array((model.predict(x) as lp.Tensor).dataSync().buffer));
}

export function summaryOf(model: lp.LayersModel): string[] {
  const lines: string[] = [];
  model.summary(undefined, undefined, (l) => lines.push(l));
  return lines;
}
