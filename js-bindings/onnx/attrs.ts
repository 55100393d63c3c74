// Typed reads of a node's attributes, with ONNX's defaults; a wrong type is a `fromOnnx:` Error
// that names the node.
import type { OnnxConst, OnnxNode } from './graph.js';
import { fail } from './decode.js';

export const where = (n: OnnxNode) => `node ${JSON.stringify(n.name)} (${n.opType})`;

export function attrInt(n: OnnxNode, name: string, def: number): number {
  const v = n.attrs.get(name);
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${where(n)}: attribute '${name}' must be an integer`);
  return v;
}

export function attrFloat(n: OnnxNode, name: string, def: number): number {
  const v = n.attrs.get(name);
  if (v === undefined) return def;
  if (typeof v !== 'number') fail(`${where(n)}: attribute '${name}' must be a number`);
  return v;
}

export function attrInts(n: OnnxNode, name: string, def: number[] | null): number[] | null {
  const v = n.attrs.get(name);
  if (v === undefined) return def;
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isInteger(d))) fail(`${where(n)}: attribute '${name}' must be a list of integers`);
  return v as number[];
}

export function attrString(n: OnnxNode, name: string, def: string): string {
  const v = n.attrs.get(name);
  if (v === undefined) return def;
  if (typeof v !== 'string') fail(`${where(n)}: attribute '${name}' must be a string`);
  return v;
}

export function attrTensor(n: OnnxNode, name: string): OnnxConst | undefined {
  const v = n.attrs.get(name);
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(`${where(n)}: attribute '${name}' must be a tensor`);
  return v;
}
