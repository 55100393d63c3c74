// PLACEHOLDER (scalar) — being replaced by the SIMD unary family.
export function leaky_relu_f32(out: usize, x: usize, n: i32, alpha: f32): i32 {
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(out + (<usize>i << 2), v < 0 ? v * alpha : v); }
  return 0;
}
export function elu_f32(out: usize, x: usize, n: i32, alpha: f32): i32 {
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(out + (<usize>i << 2), v < 0 ? alpha * <f32>(Math.exp(v) - 1) : v); }
  return 0;
}
export function sigmoid_f32(out: usize, x: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(out + (<usize>i << 2), <f32>(1 / (1 + Math.exp(-v)))); }
  return 0;
}
export function tanh_f32(out: usize, x: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(out + (<usize>i << 2), <f32>Math.tanh(v)); }
  return 0;
}
export function gelu_f32(out: usize, x: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(out + (<usize>i << 2), <f32>(0.5 * v * (1 + Math.tanh(0.7978845608 * (v + 0.044715 * v * v * v))))); }
  return 0;
}
