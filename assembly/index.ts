// The exported ABI of lepton.simd.wasm and lepton.relaxed.wasm (both builds export the same
// names). Re-exports only. Every kernel takes (output pointers, input pointers, sizes,
// attributes) and returns an i32 status: 0 ok, -1 out of memory for its scratch, other
// negatives kernel-specific (js-bindings/engine.ts turns them into Errors naming the op).
//
// Dtype vocabulary (from XNNPACK): f32; f16; qs8 = int8 with scale and zero point per tensor;
// qc8w = int8 weights with a scale per output channel and zero point 0; i32 = int32 indices.

export * from "./arena";
export { gemm_f32 } from "./kernels/gemm";
export { fill_32, random_uniform_f32, random_normal_f32, copy_bytes } from "./kernels/fill";
export { conv2d_nhwc_f32 } from "./kernels/conv";
export { depthwise_conv2d_nhwc_f32 } from "./kernels/conv_depthwise";
export { maxpool2d_nhwc_f32, avgpool2d_nhwc_f32, global_avgpool2d_nhwc_f32 } from "./kernels/pool";
