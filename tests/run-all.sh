#!/usr/bin/env bash
# npm test (after npm run build): every suite, both .wasm builds.
set -euo pipefail
cd "$(dirname "$0")/.."
node --experimental-wasm-relaxed-simd --import tsx --test tests/kernels/*.test.ts
