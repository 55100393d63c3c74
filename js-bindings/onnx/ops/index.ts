// Every ONNX op the importer knows (default domain), by op_type.
import type { OpHandler } from '../builder.js';
import { activationOps } from './activation.js';
import { binaryOps } from './binary.js';
import { convOps } from './conv.js';
import { denseOps } from './dense.js';
import { normOps } from './norm.js';
import { poolOps } from './pool.js';
import { shapeOps } from './shape.js';

export const OPS: Record<string, OpHandler> = {
  ...activationOps, ...binaryOps, ...convOps, ...denseOps, ...normOps, ...poolOps, ...shapeOps,
  // Constant nodes are constants before import (fold.ts); one left here has a form that is not supported.
  Constant: { check: () => 'only tensor, float(s) and int(s) values are supported', build: () => undefined },
};

/** The op types fromOnnx supports. */
export const SUPPORTED_OPS = Object.keys(OPS).sort();
