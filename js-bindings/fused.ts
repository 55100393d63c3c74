// lp.fused: ops with the bias and activation fused into the kernel (TensorFlow.js's tf.fused).
export { fusedMatMul as matMul } from './ops/matmul.js';
export { fusedConv2d as conv2d, fusedDepthwiseConv2d as depthwiseConv2d } from './ops/conv.js';
