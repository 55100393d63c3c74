// Batch normalization for training, over the last axis (NHWC channels): the forward pass with
// batch statistics, its backward pass, and the moving-average update of the running statistics.
//
//   R rows (outer: N·H·W), C channels; x, out, dy, dx: [R, C] f32 row-major; the rest [C] f32.
//
//   batchnorm_train_f32(out, mean, variance, invStd, x, gamma, beta, outer, c, epsilon)
//     mean[c] = Σ_r x / R;  variance[c] = Σ_r (x - mean)² / R  (biased, as tfjs-layers' moments);
//     invStd[c] = 1/sqrt(variance + epsilon);  out = (x - mean)·(invStd·gamma) + beta.
//     gamma = 0 means ones, beta = 0 zeros. R = 0: mean, variance, invStd are NaN (0/0).
//   batchnorm_grad_f32(dx, dgamma, dbeta, dy, x, mean, invStd, gamma, outer, c)
//     The training-mode backward (the batch statistics depend on x), from the forward's saved
//     mean and invStd:  dbeta = Σ_r dy;  dgamma = invStd·Σ_r dy·(x - mean);
//     dx = gamma·invStd·(dy - dbeta/R - (x - mean)·invStd²·Σ_r dy·(x - mean)/R).
//     dx, dgamma, dbeta may each be 0 (not computed); all OVERWRITTEN. gamma = 0 means ones.
//   moving_average_f32(running, value, n, momentum)
//     running = running - (running - value)·(1 - momentum), in that order (tfjs-layers'
//     doMovingAverage; 1 - momentum is rounded to f32 once, as TF.js's scalar).
//   Status: 0 ok, -1 (STATUS_OOM) when the scratch below cannot be had (nothing written).
//
// Accuracy: the mean is Σ (x - x[0, c]) / R + x[0, c] (a shifted sum: large offsets such as
// x ≈ 1000 ± 1 cost nothing), the variance a second pass over (x - m32)² with m32 the f32 mean,
// minus δ² (δ = mean - m32, known in f64), so neither cancels.
// Every sum uses f32 lanes of at most SUM_SPANS terms folded into f64 (as reduce.ts), combined
// per channel in f64.
//
// Loop shape (batchnorm.ts's): x is one flat run of R·C floats, so per-channel vectors are laid
// out G = 4/gcd(C, 4) times over a span of S = G·C floats, a multiple of 4: every pass runs
// whole vectors (2 per trip) down the run with no per-row tail, accumulating into S-float
// arrays; only the final partial span takes a masked lane tail. Scratch from the arena, scoped
// and released before returning:
//   train: ┌ ctr: S f32 ┬ accA: S f32 ┬ totA: S f64 ┐                          16·S bytes
//   grad:  ┌ ctr: S f32 ┬ accA: S f32 ┬ accB: S f32 ┬ totA: S f64 ┬ totB: S f64 ┐ 28·S bytes
// (ctr: the centre, then the per-channel coefficients of the last pass.)
//
// Memory contract: out may alias x, dx may alias dy, exactly. Reads nothing past x, dy; writes
// exactly the outputs. The [C] outputs must not overlap the inputs.
import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { STATUS_OK, STATUS_OOM } from "../kernels/gemm";
import { laneMask } from "../kernels/reduce";
import { loadTail, madd4, storeTail } from "../simd";

/** Spans per f32 lane before the fold into f64. */
// @ts-ignore: decorator
@inline const SUM_SPANS: i32 = 32;

// What a pass accumulates per position of the span, with c the centre:
// @ts-ignore: decorator
@inline const MODE_SHIFTED: i32 = 0; // accA += x - c
// @ts-ignore: decorator
@inline const MODE_SQUARES: i32 = 1; // accA += (x - c)²
// @ts-ignore: decorator
@inline const MODE_GRAD: i32 = 2;    // accA += dy, accB += dy·(x - c)

/** A vector at p or p + 16 (hi: a compile-time constant). */
// @ts-ignore: decorator
@inline function ldo(p: usize, hi: bool): v128 { return hi ? v128.load(p, 16) : v128.load(p); }
// @ts-ignore: decorator
@inline function sto(p: usize, v: v128, hi: bool): void {
  if (hi) v128.store(p, v, 16);
  else v128.store(p, v);
}

/** One vector of a pass: x, dy (MODE_GRAD) and the centre c, lanes outside mask not counted. */
// @ts-ignore: decorator
@inline function accumulate(mode: i32, pa: usize, pb: usize, hi: bool, x: v128, d: v128, c: v128,
    mask: v128): void {
  const t = v128.and(f32x4.sub(x, c), mask);
  if (mode == MODE_SHIFTED) sto(pa, f32x4.add(ldo(pa, hi), t), hi);
  else if (mode == MODE_SQUARES) sto(pa, madd4(t, t, ldo(pa, hi)), hi);
  else {
    sto(pa, f32x4.add(ldo(pa, hi), d), hi);
    sto(pb, madd4(d, t, ldo(pb, hi)), hi);
  }
}

/** tot[j] += acc[j] (f64), acc[j] = 0, for the S floats of one accumulator. */
function fold(acc: usize, tot: usize, spanBytes: usize): void {
  for (let j: usize = 0; j < spanBytes; j += 16) {
    const v = v128.load(acc + j);
    const t = tot + (j << 1);
    v128.store(t, f64x2.add(v128.load(t), f64x2.promote_low_f32x4(v)));
    v128.store(t, f64x2.add(v128.load(t, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3))), 16);
    v128.store(acc + j, f32x4.splat(0));
  }
}

/** Per-position sums over the `total` bytes at x (and dy) into totA (and totB), f64. */
// @ts-ignore: decorator
@inline function spanSums(mode: i32, x: usize, dy: usize, total: usize, spanBytes: usize, ctr: usize,
    accA: usize, accB: usize, totA: usize, totB: usize): void {
  const grad = mode == MODE_GRAD;
  memory.fill(accA, 0, spanBytes);
  memory.fill(totA, 0, spanBytes << 1);
  if (grad) {
    memory.fill(accB, 0, spanBytes);
    memory.fill(totB, 0, spanBytes << 1);
  }
  const all = i32x4.splat(-1), zero = f32x4.splat(0);
  let spans = 0;
  while (total != 0) {
    const bytes = min(total, spanBytes);
    let rest = bytes, pc = ctr, pa = accA, pb = accB;
    for (; rest >= 32; rest -= 32, x += 32, dy += 32, pc += 32, pa += 32, pb += 32) {
      const x0 = v128.load(x), x1 = v128.load(x, 16);
      const d0 = grad ? v128.load(dy) : zero, d1 = grad ? v128.load(dy, 16) : zero;
      accumulate(mode, pa, pb, false, x0, d0, v128.load(pc), all);
      accumulate(mode, pa, pb, true, x1, d1, v128.load(pc, 16), all);
    }
    if (rest >= 16) {
      accumulate(mode, pa, pb, false, v128.load(x), grad ? v128.load(dy) : zero, v128.load(pc), all);
      rest -= 16; x += 16; dy += 16; pc += 16; pa += 16; pb += 16;
    }
    if (rest != 0) { // the final partial span only: lanes past the end are masked out
      const count = rest >> 2;
      accumulate(mode, pa, pb, false, loadTail(x, count), grad ? loadTail(dy, count) : zero,
        v128.load(pc), laneMask(count));
      x += rest; dy += rest;
    }
    total -= bytes;
    if (++spans == SUM_SPANS || total == 0) {
      fold(accA, totA, spanBytes);
      if (grad) fold(accB, totB, spanBytes);
      spans = 0;
    }
  }
}

/** Σ over the G copies of channel ch in an S-position f64 total. */
// @ts-ignore: decorator
@inline function channelTotal(tot: usize, ch: usize, cBytes: usize, spanBytes: usize): f64 {
  let s: f64 = 0;
  for (let off = ch << 1; off < spanBytes << 1; off += cBytes << 1) s += load<f64>(tot + off);
  return s;
}

/** Copies the first C floats of an S-float array over its other G - 1 copies. */
function replicate(p: usize, cBytes: usize, spanBytes: usize): void {
  for (let off = cBytes; off < spanBytes; off += cBytes) memory.copy(p + off, p, cBytes);
}

/** out = (x - c)·k + b over `total` bytes, with S-float per-position c, k, b. */
function normalize(out: usize, x: usize, total: usize, spanBytes: usize, c: usize, k: usize,
    b: usize): void {
  while (total != 0) {
    const bytes = min(total, spanBytes);
    let rest = bytes, pc = c, pk = k, pb = b;
    for (; rest >= 32; rest -= 32, x += 32, out += 32, pc += 32, pk += 32, pb += 32) {
      const v0 = madd4(f32x4.sub(v128.load(x), v128.load(pc)), v128.load(pk), v128.load(pb));
      const v1 = madd4(f32x4.sub(v128.load(x, 16), v128.load(pc, 16)), v128.load(pk, 16), v128.load(pb, 16));
      v128.store(out, v0);
      v128.store(out, v1, 16);
    }
    if (rest >= 16) {
      v128.store(out, madd4(f32x4.sub(v128.load(x), v128.load(pc)), v128.load(pk), v128.load(pb)));
      rest -= 16; x += 16; out += 16; pc += 16; pk += 16; pb += 16;
    }
    if (rest != 0) {
      const count = rest >> 2;
      storeTail(out, madd4(f32x4.sub(loadTail(x, count), v128.load(pc)), v128.load(pk), v128.load(pb)), count);
      x += rest; out += rest;
    }
    total -= bytes;
  }
}

/** Bytes of one span: G = 4/gcd(C, 4) rows of C floats. */
// @ts-ignore: decorator
@inline function spanBytesOf(c: i32): usize {
  return (<usize>(4 >> min(ctz<i32>(c), 2)) * <usize>c) << 2;
}

export function batchnorm_train_f32(out: usize, mean: usize, variance: usize, invStd: usize, x: usize,
    gamma: usize, beta: usize, outer: i32, c: i32, epsilon: f32): i32 {
  if (c <= 0) return STATUS_OK;
  const cBytes = <usize>c << 2;
  if (outer <= 0) {
    for (let ch: usize = 0; ch < cBytes; ch += 4) {
      store<f32>(mean + ch, NaN);
      store<f32>(variance + ch, NaN);
      store<f32>(invStd + ch, NaN);
    }
    return STATUS_OK;
  }
  const spanBytes = spanBytesOf(c);
  const mark = arena_mark();
  const ctr = arena_alloc_scoped(spanBytes << 2);
  if (ctr == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const accA = ctr + spanBytes, totA = accA + spanBytes;
  const total = <usize>outer * cBytes;
  const rows = <f64>outer;

  // Pass 1: the mean, as a sum shifted by the first row.
  memory.copy(ctr, x, cBytes);
  replicate(ctr, cBytes, spanBytes);
  spanSums(MODE_SHIFTED, x, 0, total, spanBytes, ctr, accA, 0, totA, 0);
  for (let ch: usize = 0; ch < cBytes; ch += 4) {
    const m = <f64>load<f32>(ctr + ch) + channelTotal(totA, ch, cBytes, spanBytes) / rows;
    const m32 = <f32>m;
    store<f32>(mean + ch, m32);
    store<f32>(ctr + ch, m32);
    store<f32>(variance + ch, <f32>(m - <f64>m32)); // δ, the f32 mean's rounding, until pass 2
  }
  replicate(ctr, cBytes, spanBytes);

  // Pass 2: the biased variance, Σ (x - m32)²/R - δ² (exact for a centre off by δ).
  spanSums(MODE_SQUARES, x, 0, total, spanBytes, ctr, accA, 0, totA, 0);
  const k = accA, b = totA; // pass 3's per-position multiplier and adder (f32)
  for (let ch: usize = 0; ch < cBytes; ch += 4) {
    const delta = <f64>load<f32>(variance + ch);
    const v = max(channelTotal(totA, ch, cBytes, spanBytes) / rows - delta * delta, 0);
    const s = 1 / Math.sqrt(v + <f64>epsilon);
    store<f32>(variance + ch, <f32>v);
    store<f32>(invStd + ch, <f32>s);
    store<f32>(k + ch, <f32>(gamma != 0 ? s * <f64>load<f32>(gamma + ch) : s));
  }
  for (let ch: usize = 0; ch < cBytes; ch += 4) store<f32>(b + ch, beta != 0 ? load<f32>(beta + ch) : 0);
  replicate(k, cBytes, spanBytes);
  replicate(b, cBytes, spanBytes);

  // Pass 3: out = (x - mean)·(invStd·gamma) + beta.
  normalize(out, x, total, spanBytes, ctr, k, b);
  arena_release(mark);
  return STATUS_OK;
}

export function batchnorm_grad_f32(dx: usize, dgamma: usize, dbeta: usize, dy: usize, x: usize,
    mean: usize, invStd: usize, gamma: usize, outer: i32, c: i32): i32 {
  if (c <= 0) return STATUS_OK;
  const cBytes = <usize>c << 2;
  if (outer <= 0) { // sums over no rows; dx is empty
    if (dgamma != 0) memory.fill(dgamma, 0, cBytes);
    if (dbeta != 0) memory.fill(dbeta, 0, cBytes);
    return STATUS_OK;
  }
  const spanBytes = spanBytesOf(c);
  const mark = arena_mark();
  const ctr = arena_alloc_scoped(spanBytes * 7);
  if (ctr == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const accA = ctr + spanBytes, accB = accA + spanBytes;
  const totA = accB + spanBytes, totB = totA + (spanBytes << 1);
  const total = <usize>outer * cBytes;
  const rows = <f64>outer;

  memory.copy(ctr, mean, cBytes);
  replicate(ctr, cBytes, spanBytes);
  spanSums(MODE_GRAD, x, dy, total, spanBytes, ctr, accA, accB, totA, totB);
  // dx = (dy - (x - mean)·q - p)·k with k = gamma·invStd, p = Σdy/R, q = invStd²·Σdy(x-mean)/R:
  // -q goes to accA, p to accB, k to the first S floats of totA (read after the totals).
  const negQ = accA, p = accB, k = totA;
  for (let ch: usize = 0; ch < cBytes; ch += 4) {
    const sdy = channelTotal(totA, ch, cBytes, spanBytes);
    const sdyx = channelTotal(totB, ch, cBytes, spanBytes);
    const s = <f64>load<f32>(invStd + ch);
    if (dbeta != 0) store<f32>(dbeta + ch, <f32>sdy);
    if (dgamma != 0) store<f32>(dgamma + ch, <f32>(s * sdyx));
    store<f32>(negQ + ch, <f32>(-s * s * sdyx / rows));
    store<f32>(p + ch, <f32>(sdy / rows));
  }
  if (dx != 0) {
    // k overwrites totA's first S floats, which the loop above no longer needs.
    for (let ch: usize = 0; ch < cBytes; ch += 4) {
      const s = <f64>load<f32>(invStd + ch);
      store<f32>(k + ch, <f32>(gamma != 0 ? s * <f64>load<f32>(gamma + ch) : s));
    }
    replicate(negQ, cBytes, spanBytes);
    replicate(p, cBytes, spanBytes);
    replicate(k, cBytes, spanBytes);
    let rest = total, px = x, pd = dy, po = dx;
    while (rest != 0) {
      const bytes = min(rest, spanBytes);
      gradSpan(po, pd, px, bytes, ctr, negQ, p, k);
      px += bytes; pd += bytes; po += bytes;
      rest -= bytes;
    }
  }
  arena_release(mark);
  return STATUS_OK;
}

/** dx = (dy + (x - c)·negQ - p)·k over one span of `bytes` (S-float per-position c, negQ, p, k). */
function gradSpan(dx: usize, dy: usize, x: usize, bytes: usize, c: usize, negQ: usize, p: usize,
    k: usize): void {
  for (; bytes >= 32; bytes -= 32, dx += 32, dy += 32, x += 32, c += 32, negQ += 32, p += 32, k += 32) {
    const t0 = madd4(f32x4.sub(v128.load(x), v128.load(c)), v128.load(negQ), v128.load(dy));
    const t1 = madd4(f32x4.sub(v128.load(x, 16), v128.load(c, 16)), v128.load(negQ, 16), v128.load(dy, 16));
    v128.store(dx, f32x4.mul(f32x4.sub(t0, v128.load(p)), v128.load(k)));
    v128.store(dx, f32x4.mul(f32x4.sub(t1, v128.load(p, 16)), v128.load(k, 16)), 16);
  }
  if (bytes >= 16) {
    const t = madd4(f32x4.sub(v128.load(x), v128.load(c)), v128.load(negQ), v128.load(dy));
    v128.store(dx, f32x4.mul(f32x4.sub(t, v128.load(p)), v128.load(k)));
    bytes -= 16; dx += 16; dy += 16; x += 16; c += 16; negQ += 16; p += 16; k += 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    const t = madd4(f32x4.sub(loadTail(x, count), v128.load(c)), v128.load(negQ), loadTail(dy, count));
    storeTail(dx, f32x4.mul(f32x4.sub(t, v128.load(p)), v128.load(k)), count);
  }
}

/** running = running - (running - value)·(1 - momentum) for n floats, in place. */
export function moving_average_f32(running: usize, value: usize, n: i32, momentum: f32): i32 {
  const decay = f32x4.splat(<f32>(1 - <f64>momentum));
  let bytes: usize = n > 0 ? <usize>n << 2 : 0;
  for (; bytes >= 32; bytes -= 32, running += 32, value += 32) {
    const r0 = v128.load(running), r1 = v128.load(running, 16);
    v128.store(running, f32x4.sub(r0, f32x4.mul(f32x4.sub(r0, v128.load(value)), decay)));
    v128.store(running, f32x4.sub(r1, f32x4.mul(f32x4.sub(r1, v128.load(value, 16)), decay)), 16);
  }
  if (bytes >= 16) {
    const r = v128.load(running);
    v128.store(running, f32x4.sub(r, f32x4.mul(f32x4.sub(r, v128.load(value)), decay)));
    running += 16; value += 16; bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    const r = loadTail(running, count);
    storeTail(running, f32x4.sub(r, f32x4.mul(f32x4.sub(r, loadTail(value, count)), decay)), count);
  }
  return STATUS_OK;
}
