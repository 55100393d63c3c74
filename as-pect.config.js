// as-pect (AssemblyScript unit tests): tests/assembly/*.spec.ts, compiled with
// as-pect.asconfig.json. Run by tests/run-all.sh (or `npx asp`).
//
// asp runs the specs in a plain `node`: the relaxed-SIMD flag has to be set here, before the
// first module is compiled, so that specs may use the simd.ts helpers in their relaxed form.
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

export default {
  entries: ['tests/assembly/**/*.spec.ts'],
  include: ['tests/assembly/**/*.include.ts'],
  disclude: [/node_modules/],
  // The spec modules define their own memory; tests/assembly/runtime.ts explains its layout
  // (managed objects below the static data, the arena above __heap_base).
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
