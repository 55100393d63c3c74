// The exported ABI of the full builds, lepton.simd.wasm and lepton.relaxed.wasm (both export the
// same names): the core ABI (./core.ts, the core entry's builds) plus the sequence kernels that
// only the full entry's layers call. Kept out of the core builds so that a CNN/MLP app that
// trains, quantizes and prunes downloads none of them.
export * from "./core";
// Sequence basics (issue 12): embedding ids, masked global pooling over time and its gradients.
export { embedding_ids_check_i32, embedding_ids_f32 } from "./kernels/embedding_ids";
export { global_avgpool_time_f32, global_maxpool_time_f32 } from "./kernels/pool_time";
export { global_avgpool_time_grad_f32, global_maxpool_time_grad_f32 } from "./autograd/pool_time_grad";
// Recurrent layers (SimpleRNN, LSTM, GRU): whole-sequence forward and backpropagation through time.
export { rnn_forward_f32 } from "./kernels/rnn";
export { rnn_grad_f32 } from "./autograd/rnn_grad";
// Sequence models (attention): layer normalization, the masked attention softmax, the strided
// batched GEMM of the attention einsums, and their backward kernels.
export { layernorm_f32 } from "./kernels/layernorm";
export { layernorm_grad_f32 } from "./autograd/layernorm_grad";
export { attention_softmax_f32 } from "./kernels/attention_softmax";
export { attention_softmax_grad_f32 } from "./autograd/attention_softmax_grad";
export { gemm_batched_f32 } from "./kernels/gemm_batched";
