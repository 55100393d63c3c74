// Seeded recurrent-layer cases and the calls of rnn_forward_f32 / rnn_grad_f32 on one build,
// shared by tests/kernels/rnn.test.ts and tests/grad/rnn.test.ts.
import assert from 'node:assert/strict';
import type { Kernels } from './wasm.js';
import { put, runKernel } from './check.js';
import { randomArray, rng } from './rng.js';
import { ACT_CODE, BIAS_ROWS, CELL_CODE, GATES, SAVED_UNITS, type ActName, type CellName, type RnnCase } from '../ref/rnn_ref.js';

export interface CaseOptions {
  cell: CellName; batch: number; time: number; inDim: number; units: number;
  bias?: boolean; h0?: boolean; masked?: boolean; rmask?: boolean; goBackwards?: boolean;
  act?: ActName; recAct?: ActName;
}

/** A random case: weights small enough that the gates stay off their saturated ends. */
export function makeCase(o: CaseOptions, seed: number): RnnCase & { [k: string]: unknown } {
  const rand = rng(seed);
  const { cell, batch: B, time: T, inDim: F, units: U } = o;
  const GU = GATES[cell] * U;
  let mask: Int32Array | null = null;
  if (o.masked) {
    // Masked steps anywhere, including the first and the last, and a row with none masked.
    mask = new Int32Array(B * T).map(() => (rand() < 0.35 ? 0 : 1));
    if (B > 1) mask.fill(1, 0, T);
  }
  return {
    cell, batch: B, time: T, inDim: F, units: U,
    x: randomArray(rand, B * T * F, -1, 1),
    w: randomArray(rand, F * GU, -0.6, 0.6),
    bias: o.bias === false ? null : randomArray(rand, BIAS_ROWS[cell] * GU, -0.3, 0.3),
    u: randomArray(rand, U * GU, -0.6, 0.6),
    h0: o.h0 ? randomArray(rand, B * U, -0.5, 0.5) : null,
    c0: o.h0 && cell === 'lstm' ? randomArray(rand, B * U, -0.5, 0.5) : null,
    mask,
    rmask: o.rmask ? Float32Array.from({ length: B * U }, () => (rand() < 0.3 ? 0 : 1 / 0.7)) : null,
    goBackwards: o.goBackwards ?? false,
    act: o.act ?? 'tanh', recAct: o.recAct ?? (cell === 'simple' ? 'tanh' : 'sigmoid'),
  };
}

export function outLength(c: RnnCase): number {
  return c.batch * (c.time + (c.cell === 'lstm' ? 1 : 0)) * c.units;
}

function f32(a: ArrayLike<number> | null): Float32Array | null {
  return a === null ? null : Float32Array.from(a);
}

/** Forward through runKernel (guards on out and saved): [out, saved]. */
export function runForward(k: Kernels, c: RnnCase): { out: Float32Array; saved: Float32Array; status: number } {
  const optional = [f32(c.bias), f32(c.h0), f32(c.c0), c.mask, f32(c.rmask)];
  const inputs = [f32(c.x)!, f32(c.w)!, f32(c.u)!, ...optional.filter((a) => a !== null)] as (Float32Array | Int32Array)[];
  const savedLen = c.batch * c.time * SAVED_UNITS[c.cell] * c.units;
  const [o, s] = runKernel(k, inputs, [outLength(c), savedLen], ([out, saved], ins) => {
    let next = 3;
    const ptr = (a: unknown) => (a === null ? 0 : ins[next++]);
    const [pb, ph, pc, pm, pr] = optional.map(ptr);
    return k.rnn_forward_f32(CELL_CODE[c.cell], out, saved, ins[0], ins[1], pb, ins[2], ph, pc, pm, pr,
      c.batch, c.time, c.inDim, c.units, c.goBackwards ? 1 : 0, ACT_CODE[c.act], ACT_CODE[c.recAct]);
  });
  return { out: o.out, saved: s.out, status: o.status };
}

export interface Grads { dx: Float32Array; dw: Float32Array; du: Float32Array; db: Float32Array; dh0: Float32Array; dc0: Float32Array }

/** Forward, then rnn_grad_f32 with upstream dy; every gradient output guarded. */
export function runGrad(k: Kernels, c: RnnCase, dy: Float32Array): Grads {
  const { saved, status } = runForward(k, c);
  assert.equal(status, 0, 'rnn_forward_f32 status');
  const { batch: B, time: T, inDim: F, units: U } = c;
  const GU = GATES[c.cell] * U;
  const mask = c.mask ? put(k, c.mask) : 0, rmask = c.rmask ? put(k, Float32Array.from(c.rmask)) : 0;
  const lens = [B * T * F, F * GU, U * GU, BIAS_ROWS[c.cell] * GU, B * U, B * U];
  const rs = runKernel(k, [dy, saved, f32(c.x)!, f32(c.w)!, f32(c.u)!], lens, (outs, [pdy, ps, px, pw, pu]) =>
    k.rnn_grad_f32(CELL_CODE[c.cell], outs[0], outs[1], outs[2], outs[3], outs[4],
      c.cell === 'lstm' ? outs[5] : 0, pdy, ps, px, pw, pu, mask, rmask, B, T, F, U,
      c.goBackwards ? 1 : 0, ACT_CODE[c.act], ACT_CODE[c.recAct]));
  if (mask) k.arena_free(mask);
  if (rmask) k.arena_free(rmask);
  assert.equal(rs[0].status, 0, 'rnn_grad_f32 status');
  const [dx, dw, du, db, dh0, dc0] = rs.map((r) => r.out);
  return { dx, dw, du, db, dh0, dc0 };
}
