// The exported ABI of the core builds, lepton.core.simd.wasm and lepton.core.relaxed.wasm (both
// export the same names): everything the core entry (lepton-wasm/core) calls — tensors and ops,
// training, int8, pruning. The full builds (assembly/index.ts) add the sequence kernels.
// Re-exports only. Every kernel takes (output pointers, input pointers, sizes, attributes) and
// returns an i32 status: 0 ok, -1 out of memory for its scratch, other
// negatives kernel-specific (js-bindings/engine.ts turns them into Errors naming the op).
//
// Dtype vocabulary (from XNNPACK): f32; f16; qs8 = int8 with scale and zero point per tensor;
// qc8w = int8 weights with a scale per output channel and zero point 0; i32 = int32 indices.

export * from "./arena";
export { gemm_f32 } from "./kernels/gemm";
export { fill_32, random_uniform_f32, random_normal_f32, copy_bytes } from "./kernels/fill";
export { relu_f32, relu6_f32, leaky_relu_f32, elu_f32, sigmoid_f32, tanh_f32, gelu_f32, erf_f32, exp_f32, log_f32, sqrt_f32, abs_f32, neg_f32, square_f32, clip_f32 } from "./kernels/unary";
export { add_f32, sub_f32, mul_f32, div_f32, maximum_f32, minimum_f32, add_i32, sub_i32, mul_i32, maximum_i32, minimum_i32 } from "./kernels/elementwise";
export { transpose_x32, copy_strided_x32, gather_x32 } from "./kernels/layout";
export { batchnorm_f32 } from "./kernels/batchnorm";
export { sum_f32, mean_f32, max_f32, min_f32, argmax_f32, argmin_f32 } from "./kernels/reduce";
export { softmax_f32, log_softmax_f32 } from "./kernels/softmax";
export { conv2d_nhwc_f32 } from "./kernels/conv";
export { depthwise_conv2d_nhwc_f32 } from "./kernels/conv_depthwise";
export { maxpool2d_nhwc_f32, avgpool2d_nhwc_f32, global_avgpool2d_nhwc_f32 } from "./kernels/pool";
// Data loading: one-hot labels and seeded image augmentation (js-bindings/data/).
export { one_hot_f32 } from "./kernels/one_hot";
export { affine_warp_nhwc_f32 } from "./kernels/augment";
// training: gradients of the element-wise, softmax, normalization and gather ops; dropout;
// optimizer updates; comparisons, casts and select for the metrics
export { unary_grad_f32 } from "./autograd/unary_grad";
export { binary_grad_f32 } from "./autograd/binary_grad";
export { compare_f32, compare_i32, cast_i32_f32, cast_f32_i32, where_f32 } from "./kernels/compare";
export { softmax_grad_f32, log_softmax_grad_f32, softmax_cross_entropy_f32, sparse_softmax_cross_entropy_f32 } from "./autograd/softmax_grad";
export { batchnorm_train_f32, batchnorm_grad_f32, moving_average_f32 } from "./autograd/batchnorm_grad";
export { dropout_f32 } from "./autograd/dropout";
export { gather_grad_f32 } from "./autograd/scatter";
export { sgd_update_f32, momentum_update_f32, adam_update_f32, rmsprop_update_f32, adagrad_update_f32, sum_squares_f32, scale_f32 } from "./autograd/optim";
// Backward kernels (autograd/): convolution, depthwise convolution, pooling, bias gradients.
export { conv2d_grad_input_nhwc_f32 } from "./autograd/conv_grad_input";
export { conv2d_grad_filter_nhwc_f32 } from "./autograd/conv_grad_filter";
export { depthwise_conv2d_grad_input_nhwc_f32, depthwise_conv2d_grad_filter_nhwc_f32 } from "./autograd/conv_depthwise_grad";
export { maxpool2d_grad_nhwc_f32, avgpool2d_grad_nhwc_f32, global_avgpool2d_grad_nhwc_f32 } from "./autograd/pool_grad";
export { bias_grad_f32 } from "./autograd/bias_grad";
export { set_tiles, gemm_tile_count, conv_tile_count, gemm_tile_in_use, conv_tile_in_use } from "./kernels/tiles";
export { calibration_setup, calibration_teardown, calibrate_gemm, calibrate_conv } from "./kernels/calibrate";
// Quantization-aware training: fake quantization and its straight-through gradient.
export { fake_quant_f32 } from "./kernels/fake_quant";
export { fake_quant_grad_f32 } from "./autograd/fake_quant_grad";
// Pruning: magnitude threshold (nth_element), masks, 2:4, zero counts; the sparse-weight GEMM (CSC).
export { kth_smallest_f32, magnitude_mask_f32, apply_mask_f32, mask_2of4_f32, count_zeros_f32 } from "./kernels/prune";
export { gemm_sparse_f32, csc_count_f32, csc_pack_f32 } from "./kernels/gemm_sparse";
// int8 inference (js-bindings/quantize/): quantize/dequantize, weight packing, the int8 GEMM,
// convolutions and pooling; qs8 activations are 7-bit (assembly/kernels/int8/qgemm.ts says why).
export { quantize_f32_qs8, dequantize_qs8_f32, quantize_weights_qc8w, minmax_f32, histogram_f32 } from "./kernels/int8/quant";
export { qgemm_packed_bytes, pack_qc8w, gemm_qs8_qc8w, set_int8_dot, int8_dot_in_use } from "./kernels/int8/qgemm";
export { int8_dot_check, calibrate_int8, int8_calibration_teardown } from "./kernels/int8/qcalibrate";
export { conv2d_nhwc_qs8_qc8w } from "./kernels/int8/qconv";
export { qwinograd_packed_bytes, pack_qc8w_winograd, conv2d_3x3_winograd_nhwc_qs8_qc8w } from "./kernels/int8/qconv_winograd";
export { depthwise_conv2d_nhwc_qs8_qc8w } from "./kernels/int8/qdwconv";
export { maxpool2d_nhwc_qs8, avgpool2d_nhwc_qs8 } from "./kernels/int8/qpool";
// int8 for imported networks (issue 13): two-input add with requantization (residual connections).
export { add_qs8 } from "./kernels/int8/qadd";
