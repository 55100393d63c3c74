// The decoded, checked ONNX graph the importer works on: plain JS values only (no protobuf
// objects), nodes in topological order, constants as typed arrays whose sizes were checked
// against their dims before they were made.
import type { SymbolicShape } from '../layers/layer.js';

/** A constant (initializer or Constant node): float32 data, or integers (int64/int32, and int8/uint8 for quantized weights) as numbers. */
export interface OnnxConst {
  name: string;
  dims: number[];
  dtype: 'float32' | 'int64' | 'int32' | 'int8' | 'uint8';
  /** float32 values, or the integers (int64 beyond 2^53 lose precision; they only serve as shapes and axes). */
  data: Float32Array | number[];
}

export type AttrValue = number | number[] | string | string[] | OnnxConst;

export interface OnnxNode {
  /** The node's name, or `${opType}_${index}` when the file gives none. */
  name: string;
  opType: string;
  /** '' for the default (ai.onnx) domain. */
  domain: string;
  /** Value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

/** A graph input or output: its element type and shape (null: symbolic or unknown; only the batch may be). */
export interface OnnxValueInfo {
  name: string;
  shape: SymbolicShape;
  /** An int64 / int32 graph input (token ids for a Gather from a constant table); fed as numbers. */
  integer?: boolean;
}

export interface OnnxGraph {
  /** The default domain's opset version (7 to 21). */
  opset: number;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Initializers by name. */
  constants: Map<string, OnnxConst>;
  /** Topologically ordered. */
  nodes: OnnxNode[];
}
