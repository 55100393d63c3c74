// Activation codes for the fused epilogues of gemm_f32 and conv2d_nhwc_f32, and the post-pass
// that applies the ones a min/max clamp cannot express. js-bindings/engine.ts mirrors the codes.
import { leaky_relu_f32, elu_f32, sigmoid_f32, tanh_f32, gelu_f32 } from "./unary";

// @ts-ignore: decorator
@inline export const ACT_LINEAR: i32 = 0;
// @ts-ignore: decorator
@inline export const ACT_RELU: i32 = 1;
// @ts-ignore: decorator
@inline export const ACT_RELU6: i32 = 2;
// @ts-ignore: decorator
@inline export const ACT_LEAKY_RELU: i32 = 3;
// @ts-ignore: decorator
@inline export const ACT_ELU: i32 = 4;
// @ts-ignore: decorator
@inline export const ACT_SIGMOID: i32 = 5;
// @ts-ignore: decorator
@inline export const ACT_TANH: i32 = 6;
// @ts-ignore: decorator
@inline export const ACT_GELU: i32 = 7;

/** relu and relu6 are a clamp, fused into the GEMM micro-kernel's store. */
// @ts-ignore: decorator
@inline export function isClampActivation(act: i32): bool {
  return act == ACT_RELU || act == ACT_RELU6;
}

// @ts-ignore: decorator
@inline export function clampLo(act: i32): f32 {
  return isClampActivation(act) ? 0 : -Infinity;
}

// @ts-ignore: decorator
@inline export function clampHi(act: i32): f32 {
  return act == ACT_RELU6 ? 6 : Infinity;
}

/** Applies a non-clamp activation in place to n floats at p (linear/relu/relu6: nothing to do). */
export function activate(p: usize, n: i32, act: i32, alpha: f32): void {
  if (act == ACT_LEAKY_RELU) leaky_relu_f32(p, p, n, alpha);
  else if (act == ACT_ELU) elu_f32(p, p, n, alpha);
  else if (act == ACT_SIGMOID) sigmoid_f32(p, p, n);
  else if (act == ACT_TANH) tanh_f32(p, p, n);
  else if (act == ACT_GELU) gelu_f32(p, p, n);
}
