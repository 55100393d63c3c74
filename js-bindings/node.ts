// The Node/Deno/Bun entry of lepton-wasm: the core API plus the helpers that read files.
export * from './index.js';
export { loadMnist } from './data/mnist_node.js';
