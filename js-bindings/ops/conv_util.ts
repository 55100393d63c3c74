// Argument parsing and output geometry shared by the convolution and pooling ops: the
// TensorFlow.js rules (conv_util.computeConv2DInfo) for strides, dilations, 'same' / 'valid' /
// numeric / explicit padding and dimRoundingMode. Everything here throws before memory is touched.
import type { Shape } from '../tensor.js';
import { fmt } from '../util.js';

export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];
export type PadArg = 'same' | 'valid' | number | ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil';

/** Geometry of one NHWC convolution or pooling window, as the kernels take it. */
export interface ConvInfo {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number;
  strideH: number; strideW: number; dilationH: number; dilationW: number;
  padTop: number; padLeft: number; outH: number; outW: number;
}

/** A number or [h, w] pair of positive integers (strides, dilations, window sizes). */
export function parsePair(op: string, name: string, v: unknown): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (pair === null || !pair.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`${op}: '${name}' must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [pair[0], pair[1]];
}

export function checkDataFormat(op: string, dataFormat: unknown): void {
  if (dataFormat === 'NCHW') {
    throw new Error(`${op}: dataFormat 'NCHW' is not supported (Lepton's images are NHWC)`);
  }
  if (dataFormat !== 'NHWC') throw new Error(`${op}: dataFormat must be 'NHWC', got ${JSON.stringify(dataFormat)}`);
}

/** TF.js: strides and dilations may not both differ from 1. */
export function checkStridesDilations(op: string, strides: [number, number], dilations: [number, number]): void {
  if (strides.some((s) => s !== 1) && dilations.some((d) => d !== 1)) {
    throw new Error(`${op}: either strides or dilations must be 1, got strides [${strides}] and dilations [${dilations}]`);
  }
}

function roundDim(value: number, mode: RoundingMode | undefined): number {
  if (mode === 'round') return Math.round(value);
  if (mode === 'ceil') return Math.ceil(value);
  if (mode === 'floor') return Math.floor(value);
  return Math.trunc(value);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Output size and top/left pads for input [n, h, w, c] and a kh x kw window, exactly as
 * TensorFlow.js computes them ('same' puts the odd pad at the bottom/right). A numeric pad is
 * applied per dimension (TF.js sizes both dimensions from the filter height; they agree for
 * square windows and equal strides).
 */
export function convInfo(op: string, xShape: Shape, filterShape: Shape, kh: number, kw: number,
    strides: [number, number], dilations: [number, number], pad: PadArg,
    dimRoundingMode?: RoundingMode): ConvInfo {
  const [n, h, w, c] = xShape;
  const [strideH, strideW] = strides, [dilationH, dilationW] = dilations;
  const effH = kh + (kh - 1) * (dilationH - 1), effW = kw + (kw - 1) * (dilationW - 1);
  if (dimRoundingMode !== undefined && dimRoundingMode !== null) {
    if (!['floor', 'round', 'ceil'].includes(dimRoundingMode)) {
      throw new Error(`${op}: dimRoundingMode must be 'floor', 'round' or 'ceil', got ${JSON.stringify(dimRoundingMode)}`);
    }
    if (typeof pad === 'string') {
      throw new Error(`${op}: pad must be an integer when using dimRoundingMode ${dimRoundingMode} but got pad ${pad}`);
    }
  }
  let outH: number, outW: number, padTop = 0, padLeft = 0;
  if (pad === 'same') {
    outH = Math.ceil(h / strideH);
    outW = Math.ceil(w / strideW);
    padTop = Math.floor(Math.max(0, (outH - 1) * strideH + effH - h) / 2);
    padLeft = Math.floor(Math.max(0, (outW - 1) * strideW + effW - w) / 2);
  } else if (pad === 'valid') {
    outH = Math.ceil((h - effH + 1) / strideH);
    outW = Math.ceil((w - effW + 1) / strideW);
  } else if (isNonNegInt(pad)) {
    padTop = padLeft = pad;
    outH = roundDim((h - effH + 2 * pad) / strideH + 1, dimRoundingMode);
    outW = roundDim((w - effW + 2 * pad) / strideW + 1, dimRoundingMode);
  } else if (Array.isArray(pad) && pad.length === 4 && pad.every((p) => Array.isArray(p) && p.length === 2 && p.every(isNonNegInt))) {
    if (pad[0][0] !== 0 || pad[0][1] !== 0 || pad[3][0] !== 0 || pad[3][1] !== 0) {
      throw new Error(`${op}: explicit padding of the batch and channel dimensions must be 0, got ${JSON.stringify(pad)}`);
    }
    const [, [top, bottom], [left, right]] = pad;
    padTop = top;
    padLeft = left;
    outH = roundDim((h - effH + top + bottom) / strideH + 1, dimRoundingMode);
    outW = roundDim((w - effW + left + right) / strideW + 1, dimRoundingMode);
  } else {
    throw new Error(`${op}: pad must be 'same', 'valid', a non-negative integer or ` +
      `[[0,0],[top,bottom],[left,right],[0,0]], got ${JSON.stringify(pad)}`);
  }
  if (!(outH >= 1 && outW >= 1)) {
    throw new Error(`${op}: output would be empty (${outH}x${outW}) for input ${fmt(xShape)}, window ` +
      `${fmt(filterShape)}, strides [${strides}], dilations [${dilations}], pad ${JSON.stringify(pad)}`);
  }
  return { n, h, w, c, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW };
}
