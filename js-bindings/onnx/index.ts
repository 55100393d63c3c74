// lepton-wasm/onnx: ONNX import, a separate entry so that the core build carries no protobuf code.
//   const model = fromOnnx(bytes); model.predict(x)  // NCHW in, NCHW out, NHWC inside
import type { LayersModel } from '../models/model.js';
import type { QuantizedModel } from '../quantize/model.js';
import { decodeOnnx } from './decode.js';
import { importGraph, type ImportOptions } from './import.js';
// The importer builds sequence layers (LSTM, GRU, attention ...): their model-file registration,
// gradient rules and the full .wasm come with this import.
import '../layers/sequence.js';

export { ONNX_LIMITS } from './decode.js';
export { SUPPORTED_OPS } from './ops/index.js';
export { OnnxOp, type OnnxOpArgs } from './op_layer.js';
export type { ImportOptions } from './import.js';

/**
 * An ONNX model (its bytes) as a LayersModel of Lepton layers that predicts, fits, quantizes,
 * prunes and saves like any other. Untrusted input: anything wrong is a `fromOnnx: ...` Error,
 * and a graph with ops that are not supported is refused with one Error listing them all,
 * before anything is allocated. QDQ graphs (QuantizeLinear / DequantizeLinear) import as the
 * f32 model with int8 weights dequantized; with {quantized: true} as an int8 QuantizedModel whose
 * activation ranges are the graph's quantization grids (Lepton's own 7-bit grid over each range).
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, opts: ImportOptions & { quantized: true }): QuantizedModel;
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, opts?: ImportOptions & { quantized?: false }): LayersModel;
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, opts?: ImportOptions): LayersModel | QuantizedModel;
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, opts: ImportOptions = {}): LayersModel | QuantizedModel {
  try {
    return importGraph(decodeOnnx(bytes, opts.freeDimensions), opts);
  } catch (e) {
    // Every failure names the importer, including ones a layer or the model raised on the way.
    const message = e instanceof Error ? e.message : String(e);
    throw message.startsWith('fromOnnx:') ? e : new Error(`fromOnnx: ${message}`);
  }
}

// ONNX export: toOnnx(model) → bytes (f32 LayersModels; int8 QuantizedModels in QDQ form).
import { toOnnx } from './export.js';
export { toOnnx, EXPORT_OPSET, EXPORT_IR_VERSION, type ExportOptions } from './export.js';
export { EXPORTED_LAYERS } from './export_layers.js';

// lp.io with the ONNX converters (io.fromOnnx, io.toOnnx): `import { io } from 'lepton-wasm/onnx'`.
// They live in this entry, not the core or Node ones, so that only code that converts ONNX loads
// protobuf (onnx-proto, an optional peer dependency).
import * as fullIo from '../io/full.js';
/** lp.io (the full entry's) with the ONNX converters added: io.fromOnnx and io.toOnnx. */
export const io = Object.freeze({ ...fullIo, fromOnnx, toOnnx });
