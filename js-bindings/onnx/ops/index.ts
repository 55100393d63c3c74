// Every ONNX op the importer knows (default domain), by op_type. To add one: a handler in the
// file of its family (ops/<family>.ts) with check(node, graph) — why it cannot be imported, from
// attributes and constants alone, so unsupported graphs are refused before anything is allocated —
// and build(node, builder), which reads input values (builder.tensor / floatConstant), picks the
// form each input is read in (layout.ts: 'nhwc' for spatial ops, 'onnx' where the order matters,
// the input's own form for element-wise ops), applies layers through builder.apply and sets the
// outputs as Vals; then a case in tests/api/onnx_import.test.ts against onnxruntime-web.
import type { OpHandler } from '../builder.js';
import { activationOps } from './activation.js';
import { binaryOps } from './binary.js';
import { convOps } from './conv.js';
import { denseOps } from './dense.js';
import { normOps } from './norm.js';
import { poolOps } from './pool.js';
import { shapeOps } from './shape.js';
import { transformOps } from './transform.js';
import { resizeOps } from './resize.js';
import { recurrentOps } from './recurrent.js';
import { reduceOps } from './reduce.js';
import { qdqOps } from '../qdq.js';

export const OPS: Record<string, OpHandler> = {
  ...activationOps, ...binaryOps, ...convOps, ...denseOps, ...normOps, ...poolOps, ...shapeOps, ...transformOps, ...resizeOps, ...recurrentOps, ...reduceOps, ...qdqOps,
  // Constant nodes are constants before import (fold.ts); one left here has a form that is not supported.
  Constant: { check: () => 'only tensor, float(s) and int(s) values are supported', build: () => undefined },
};

/** The op types fromOnnx supports. */
export const SUPPORTED_OPS = Object.keys(OPS).sort();
