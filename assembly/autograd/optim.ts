// Optimizer updates, in place over n floats of weights w, optimizer state and gradient g, with
// TensorFlow.js's formulas in TensorFlow.js's operation order (tfjs-core/src/optimizers/*.ts),
// every step one rounded f32 operation, so that a training run tracks tfjs's cpu backend:
//
//   sgd_update_f32(w, g, n, lr):                 w = (-lr)·g + w
//   momentum_update_f32(w, acc, g, n, lr, momentum, nesterov):
//     acc = momentum·acc + g;  w = (-lr)·(nesterov ? g + acc·momentum : acc) + w
//   adam_update_f32(w, m, v, g, n, lr, beta1, beta2, epsilon, oneMinusBeta1Pow, oneMinusBeta2Pow,
//       weightDecay):
//     weightDecay != 0 first: w = w - (w·weightDecay)·lr   (Keras AdamW, decoupled);
//     m = m·β1 + g·(1-β1);  v = v·β2 + g²·(1-β2);
//     w = ((m/oneMinusBeta1Pow) / (sqrt(v/oneMinusBeta2Pow) + ε))·(-lr) + w
//   rmsprop_update_f32(w, ms, mom, mg, g, n, lr, decay, momentum, epsilon, centered):
//     ms = ms·decay + g²·(1-decay);
//     centered: mg = mg·decay + g·(1-decay), denom = sqrt((ms - mg²) + ε); else sqrt(ms + ε);
//     mom = mom·momentum + (g·lr)/denom;  w = w - mom
//     (TF.js itself computes sqrt(ms - (mg² + ε)) when centered, which turns NaN once the
//     variance estimate falls below ε; this is the TensorFlow/Keras rule, identical to 1e-7
//     relative otherwise.)
//   adagrad_update_f32(w, acc, g, n, lr, epsilon):
//     acc = acc + g²;  w = (g / sqrt(acc + ε))·(-lr) + w
//   sum_squares_f32(out, x, n): out[0] = Σ x² (global-norm clipping), f64 total
//   scale_f32(out, x, n, s):    out = s·x
//
// 1 - β (β1, β2, decay) is rounded to f32 once from the f32 β (TF.js rounds 1 - β from the
// f64 β: the two differ by at most an ulp of 1 - β). Nothing is fused: the relaxed build uses
// plain mul/add here too, so both builds give TF.js's roundings, bit for bit in principle.
// Status: 0; rmsprop_update_f32 returns -2 (STATUS_MISSING_STATE) when centered and mg = 0,
// before anything is written.
//
// Memory contract: any n ≥ 0 (tails use lane loads and stores; nothing is read or written past
// n floats). w and the state arrays must not alias g or each other; scale_f32's out may alias x.
// One @inline driver walks every update: 2 vectors per trip, then one, then a lane tail.
import { hsum4, loadTail, storeTail } from "../simd";

// @ts-ignore: decorator
@inline export const STATUS_MISSING_STATE: i32 = -2;

// @ts-ignore: decorator
@inline const K_SGD: i32 = 0;
// @ts-ignore: decorator
@inline const K_MOMENTUM: i32 = 1;
// @ts-ignore: decorator
@inline const K_NESTEROV: i32 = 2;
// @ts-ignore: decorator
@inline const K_ADAM: i32 = 3;
// @ts-ignore: decorator
@inline const K_ADAMW: i32 = 4;
// @ts-ignore: decorator
@inline const K_RMSPROP: i32 = 5;
// @ts-ignore: decorator
@inline const K_RMSPROP_CENTERED: i32 = 6;
// @ts-ignore: decorator
@inline const K_ADAGRAD: i32 = 7;
// @ts-ignore: decorator
@inline const K_SCALE: i32 = 8;

/** `count` floats at p (+16 when hi): a whole vector when count is 4 (a constant), else lanes. */
// @ts-ignore: decorator
@inline function ld(p: usize, hi: bool, count: usize): v128 {
  if (count == 4) return hi ? v128.load(p, 16) : v128.load(p);
  return loadTail(p, count);
}
// @ts-ignore: decorator
@inline function st(p: usize, v: v128, hi: bool, count: usize): void {
  if (count == 4) {
    if (hi) v128.store(p, v, 16);
    else v128.store(p, v);
  } else storeTail(p, v, count);
}

// Operations kept separate (never madd4): each is one f32 rounding, as in TF.js.
// @ts-ignore: decorator
@inline function add(a: v128, b: v128): v128 { return f32x4.add(a, b); }
// @ts-ignore: decorator
@inline function sub(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
// @ts-ignore: decorator
@inline function mul(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
// @ts-ignore: decorator
@inline function div(a: v128, b: v128): v128 { return f32x4.div(a, b); }

/**
 * One vector of update `kind` (a constant) at w, s1, s2, s3 (state), g. c0..c6: the splatted
 * scalars, in the order each kind lists them below.
 */
// @ts-ignore: decorator
@inline function step(kind: i32, w: usize, s1: usize, s2: usize, s3: usize, g: usize, hi: bool,
    count: usize, c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128,
    c7: v128, c8: v128): void {
  const gv = ld(g, hi, count);
  if (kind == K_SGD) { // c0 = -lr
    st(w, add(mul(c0, gv), ld(w, hi, count)), hi, count);
  } else if (kind == K_MOMENTUM || kind == K_NESTEROV) { // c0 = momentum, c1 = -lr
    const acc = add(mul(c0, ld(s1, hi, count)), gv);
    st(s1, acc, hi, count);
    const dir = kind == K_NESTEROV ? add(gv, mul(acc, c0)) : acc;
    st(w, add(mul(c1, dir), ld(w, hi, count)), hi, count);
  } else if (kind == K_ADAM || kind == K_ADAMW) {
    // c0 = β1, c1 = 1-β1, c2 = β2, c3 = 1-β2, c4 = 1-β1^t, c5 = 1-β2^t, c6 = ε, c7 = -lr,
    // c8 = weightDecay (AdamW), lr = -c7
    let wv = ld(w, hi, count);
    if (kind == K_ADAMW) wv = sub(wv, mul(mul(wv, c8), f32x4.neg(c7)));
    const m = add(mul(ld(s1, hi, count), c0), mul(gv, c1));
    const v = add(mul(ld(s2, hi, count), c2), mul(mul(gv, gv), c3));
    st(s1, m, hi, count);
    st(s2, v, hi, count);
    const upd = div(div(m, c4), add(f32x4.sqrt(div(v, c5)), c6));
    st(w, add(mul(upd, c7), wv), hi, count);
  } else if (kind == K_RMSPROP || kind == K_RMSPROP_CENTERED) {
    // c0 = decay, c1 = 1-decay, c2 = momentum, c3 = lr, c4 = ε; s1 = ms, s2 = mom, s3 = mg
    const ms = add(mul(ld(s1, hi, count), c0), mul(mul(gv, gv), c1));
    st(s1, ms, hi, count);
    let denom: v128;
    if (kind == K_RMSPROP_CENTERED) {
      const mg = add(mul(ld(s3, hi, count), c0), mul(gv, c1));
      st(s3, mg, hi, count);
      denom = f32x4.sqrt(add(sub(ms, mul(mg, mg)), c4));
    } else {
      denom = f32x4.sqrt(add(ms, c4));
    }
    const mom = add(mul(ld(s2, hi, count), c2), div(mul(gv, c3), denom));
    st(s2, mom, hi, count);
    st(w, sub(ld(w, hi, count), mom), hi, count);
  } else if (kind == K_ADAGRAD) { // c0 = ε, c1 = -lr
    const acc = add(ld(s1, hi, count), mul(gv, gv));
    st(s1, acc, hi, count);
    st(w, add(mul(div(gv, f32x4.sqrt(add(acc, c0))), c1), ld(w, hi, count)), hi, count);
  } else { // K_SCALE: w = out, g = x, c0 = s
    st(w, mul(c0, gv), hi, count);
  }
}

/** Runs `kind` over n floats (scalars a0..a8 as `step` lists them). */
// @ts-ignore: decorator
@inline function update(kind: i32, w: usize, s1: usize, s2: usize, s3: usize, g: usize, n: i32,
    a0: f32, a1: f32, a2: f32, a3: f32, a4: f32, a5: f32, a6: f32, a7: f32, a8: f32): i32 {
  const c0 = f32x4.splat(a0), c1 = f32x4.splat(a1), c2 = f32x4.splat(a2), c3 = f32x4.splat(a3);
  const c4 = f32x4.splat(a4), c5 = f32x4.splat(a5), c6 = f32x4.splat(a6), c7 = f32x4.splat(a7);
  const c8 = f32x4.splat(a8);
  let bytes: usize = n > 0 ? <usize>n << 2 : 0;
  for (; bytes >= 32; bytes -= 32, w += 32, s1 += 32, s2 += 32, s3 += 32, g += 32) {
    step(kind, w, s1, s2, s3, g, false, 4, c0, c1, c2, c3, c4, c5, c6, c7, c8);
    step(kind, w, s1, s2, s3, g, true, 4, c0, c1, c2, c3, c4, c5, c6, c7, c8);
  }
  if (bytes >= 16) {
    step(kind, w, s1, s2, s3, g, false, 4, c0, c1, c2, c3, c4, c5, c6, c7, c8);
    w += 16; s1 += 16; s2 += 16; s3 += 16; g += 16; bytes -= 16;
  }
  if (bytes != 0) step(kind, w, s1, s2, s3, g, false, bytes >> 2, c0, c1, c2, c3, c4, c5, c6, c7, c8);
  return 0;
}

/** 1 - b rounded once to f32. */
// @ts-ignore: decorator
@inline function oneMinus(b: f32): f32 { return <f32>(1 - <f64>b); }

export function sgd_update_f32(w: usize, g: usize, n: i32, lr: f32): i32 {
  return update(K_SGD, w, 0, 0, 0, g, n, -lr, 0, 0, 0, 0, 0, 0, 0, 0);
}

export function momentum_update_f32(w: usize, acc: usize, g: usize, n: i32, lr: f32, momentum: f32,
    nesterov: i32): i32 {
  if (nesterov != 0) return update(K_NESTEROV, w, acc, 0, 0, g, n, momentum, -lr, 0, 0, 0, 0, 0, 0, 0);
  return update(K_MOMENTUM, w, acc, 0, 0, g, n, momentum, -lr, 0, 0, 0, 0, 0, 0, 0);
}

export function adam_update_f32(w: usize, m: usize, v: usize, g: usize, n: i32, lr: f32, beta1: f32,
    beta2: f32, epsilon: f32, oneMinusBeta1Pow: f32, oneMinusBeta2Pow: f32, weightDecay: f32): i32 {
  if (weightDecay != 0) {
    return update(K_ADAMW, w, m, v, 0, g, n, beta1, oneMinus(beta1), beta2, oneMinus(beta2),
      oneMinusBeta1Pow, oneMinusBeta2Pow, epsilon, -lr, weightDecay);
  }
  return update(K_ADAM, w, m, v, 0, g, n, beta1, oneMinus(beta1), beta2, oneMinus(beta2),
    oneMinusBeta1Pow, oneMinusBeta2Pow, epsilon, -lr, 0);
}

export function rmsprop_update_f32(w: usize, ms: usize, mom: usize, mg: usize, g: usize, n: i32,
    lr: f32, decay: f32, momentum: f32, epsilon: f32, centered: i32): i32 {
  if (centered != 0) {
    if (mg == 0) return STATUS_MISSING_STATE;
    return update(K_RMSPROP_CENTERED, w, ms, mom, mg, g, n, decay, oneMinus(decay), momentum, lr,
      epsilon, 0, 0, 0, 0);
  }
  return update(K_RMSPROP, w, ms, mom, 0, g, n, decay, oneMinus(decay), momentum, lr, epsilon, 0, 0, 0, 0);
}

export function adagrad_update_f32(w: usize, acc: usize, g: usize, n: i32, lr: f32, epsilon: f32): i32 {
  return update(K_ADAGRAD, w, acc, 0, 0, g, n, epsilon, -lr, 0, 0, 0, 0, 0, 0, 0);
}

/** out = s·x for n floats (out may alias x). */
export function scale_f32(out: usize, x: usize, n: i32, s: f32): i32 {
  return update(K_SCALE, out, 0, 0, 0, x, n, s, 0, 0, 0, 0, 0, 0, 0, 0);
}

/** Squares per f32 lane before the fold into f64 (16 floats per trip, 4 accumulators). */
// @ts-ignore: decorator
@inline const SQ_SPAN: usize = 32;

/** out[0] = Σ x² over n floats: 4 f32x4 accumulators folded into f64 every SQ_SPAN trips. */
export function sum_squares_f32(out: usize, x: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let total: f64 = 0;
  let bytes: usize = n > 0 ? <usize>n << 2 : 0;
  while (bytes >= 64) {
    const end = x + (min(bytes, SQ_SPAN * 64) & ~(<usize>63));
    bytes -= end - x;
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    do {
      const v0 = v128.load(x), v1 = v128.load(x, 16), v2 = v128.load(x, 32), v3 = v128.load(x, 48);
      a0 = f32x4.add(a0, f32x4.mul(v0, v0));
      a1 = f32x4.add(a1, f32x4.mul(v1, v1));
      a2 = f32x4.add(a2, f32x4.mul(v2, v2));
      a3 = f32x4.add(a3, f32x4.mul(v3, v3));
      x += 64;
    } while (x < end);
    total += <f64>hsum4(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  }
  let a = zero;
  for (; bytes >= 16; bytes -= 16, x += 16) {
    const v = v128.load(x);
    a = f32x4.add(a, f32x4.mul(v, v));
  }
  if (bytes != 0) {
    const v = loadTail(x, bytes >> 2); // zero-filled lanes add nothing
    a = f32x4.add(a, f32x4.mul(v, v));
  }
  store<f32>(out, <f32>(total + <f64>hsum4(a)));
  return 0;
}
