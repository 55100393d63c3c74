// matMul and fused.matMul: one gemm_f32 call per batch item, with the bias and activation fused
// into the kernel's epilogue.
import { ACTIVATIONS, engine, type Activation } from '../engine.js';
import { allocTensor, Tensor } from '../tensor.js';
import { assertDtype, fmt, shapesEqual } from '../util.js';
import { isTracked, record } from '../autograd.js';
import { applyActivation, derivableFromOutput } from './activation.js';

export interface FusedMatMulArgs {
  a: Tensor;
  b: Tensor;
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: Tensor | null;
  activation?: Activation;
  /** Slope of leakyrelu (default 0.2, as TensorFlow.js); alpha of elu (default 1). */
  leakyreluAlpha?: number;
}

/** Validates an activation name and its parameter; returns [code, alpha]. */
export function activationCode(op: string, activation: string | undefined, alpha?: number): [number, number] {
  const name = (activation ?? 'linear').toLowerCase();
  if (!Object.hasOwn(ACTIVATIONS, name)) { // not `in`: 'constructor' or 'toString' are no activations
    throw new Error(`${op}: unknown activation '${activation}' (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  }
  const code = ACTIVATIONS[name as Activation];
  return [code, alpha ?? (name === 'elu' ? 1 : 0.2)];
}

/** Checks a bias for an output of `n` channels: shape [n] (or [1..., n]). */
export function checkBias(op: string, bias: Tensor | null | undefined, n: number): void {
  if (bias === null || bias === undefined) return;
  assertDtype(op, 'bias', bias, 'float32');
  if (bias.size !== n || bias.shape[bias.rank - 1] !== n) {
    throw new Error(`${op}: bias must have shape [${n}], got ${fmt(bias.shape)}`);
  }
}

function matMulImpl(op: string, args: FusedMatMulArgs): Tensor {
  const { a, b, transposeA = false, transposeB = false, bias } = args;
  assertDtype(op, 'a', a, 'float32');
  assertDtype(op, 'b', b, 'float32');
  if (a.rank < 2 || b.rank < 2 || a.rank !== b.rank) {
    throw new Error(`${op}: a and b must have the same rank >= 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const r = a.rank;
  const batchA = a.shape.slice(0, r - 2), batchB = b.shape.slice(0, r - 2);
  if (!shapesEqual(batchA, batchB)) {
    throw new Error(`${op}: batch dimensions of a ${fmt(a.shape)} and b ${fmt(b.shape)} differ`);
  }
  const m = transposeA ? a.shape[r - 1] : a.shape[r - 2];
  const kA = transposeA ? a.shape[r - 2] : a.shape[r - 1];
  const kB = transposeB ? b.shape[r - 1] : b.shape[r - 2];
  const n = transposeB ? b.shape[r - 2] : b.shape[r - 1];
  if (kA !== kB) {
    throw new Error(`${op}: inner dimensions of a ${fmt(a.shape)} and b ${fmt(b.shape)} must match ` +
      `(transposeA=${transposeA}, transposeB=${transposeB}): ${kA} != ${kB}`);
  }
  checkBias(op, bias, n);
  const [act, alpha] = activationCode(op, args.activation, args.leakyreluAlpha);
  const actName = (args.activation ?? 'linear').toLowerCase() as Activation;
  const tracked = isTracked(a) || isTracked(b) || isTracked(bias);
  if (tracked && !derivableFromOutput(actName, alpha)) {
    // The activation's derivative needs its input: run it as its own (recorded) op.
    return applyActivation(matMulImpl(op, { ...args, activation: 'linear' }), actName, alpha);
  }
  const out = allocTensor(op, [...batchA, m, n], 'float32');
  const batches = batchA.reduce((x, y) => x * y, 1);
  const k = engine.k;
  for (let i = 0; i < batches; i++) {
    const status = k.gemm_f32(out.ptr + 4 * i * m * n, a.ptr + 4 * i * m * kA, b.ptr + 4 * i * kA * n,
      bias ? bias.ptr : 0, m, n, kA, transposeA ? 1 : 0, transposeB ? 1 : 0, act, alpha);
    if (status !== 0) {
      out.dispose();
      engine.check(op, status);
    }
  }
  return tracked ? record('MatMul', [a, b, bias], out, { transposeA, transposeB, activation: actName, alpha }) : out;
}

/** a · b for float32 tensors of rank >= 2 (leading dimensions are batch dimensions). */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  return matMulImpl('matMul', { a, b, transposeA, transposeB });
}

/** act(a · b + bias) in one kernel call. */
export function fusedMatMul(args: FusedMatMulArgs): Tensor {
  return matMulImpl('fused.matMul', args);
}
