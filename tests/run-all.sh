#!/usr/bin/env bash
# npm test (after npm run build): every suite, both .wasm builds, every runtime.
#
#   1. as-pect specs (tests/assembly/*.spec.ts)
#   2. node:test over tests/kernels, tests/api (and tests/grad): both builds, relaxed flag on
#   3. the smoke suite (tests/runtimes/smoke.test.ts + checks.js) in Node without the flag
#      (SIMD128 build), Node with it (relaxed), Deno, Bun, headless Chromium and headless Firefox
#      ESR; the Node SIMD128 run goes first and writes its seeded-fit weights hash to
#      $LEPTON_WEIGHTS_HASH_FILE, which every later runtime must match on the SIMD128 build; the
#      core entry's run of it (smoke_core.test.ts) in Deno and Bun, and in the two browsers; then
#      the browser demo (examples/browser/) in Chromium
#   4. the package: npm pack, install the tarball in a fresh project with no registry, import it
#      by name on both builds and type-check against its typings (needs build/ and dist/)
#   5. the minified bundle through the smoke checks, the size report (npm run size), and the core
#      entry (lepton-wasm/core) on both of its .wasm builds
#   6. the docs: typedoc (npm run docs) runs clean and documents the key symbols; the README's
#      snippets type-check and run
#
# Each runner's own output is shown; passes and failures are counted from it and the last line
# is exactly "N passed, N failed". Exits non-zero when anything failed (or a runner crashed).
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob

RELAXED=--experimental-wasm-relaxed-simd
BIN=node_modules/.bin
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
# Plain output (runners see pipes anyway). Not FORCE_COLOR=0: Deno takes any FORCE_COLOR as 'on'.
unset FORCE_COLOR
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 RUST_BACKTRACE=0
strip_ansi() { sed 's/\x1b\[[0-9;]*m//g'; }

total_pass=0
total_fail=0
summary=()

# record NAME RC PASSED FAILED: a runner that exits non-zero without reporting a failure (a
# compile error, a crash) counts as one failure.
record() {
  local name=$1 rc=$2 pass=${3:-0} fail=${4:-0}
  if [[ $rc -ne 0 && $fail -eq 0 ]]; then
    fail=1
    echo "!! $name exited with status $rc without reporting a failed test: counted as one failure"
  fi
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  summary+=("$(printf '  %-44s %5d pass %4d fail %5ds' "$name" "$pass" "$fail" $((SECONDS - started)))")
}

started=$SECONDS
section() {
  printf '\n===== %s =====\n' "$1"
  started=$SECONDS
}

# Sum of the first capture group of a regex over a log (0 when absent).
count() {
  local n
  n=$(sed -nE "s/$1/\\1/p" "$2" | paste -sd+ -)
  echo $((${n:-0}))
}

# run_node NAME REPORTER NODE-ARGS...: node:test with REPORTER (dot for the big suites, spec for
# the smoke runs) on the console and TAP in a file for the counts.
run_node() {
  local name=$1 reporter=$2; shift 2
  local tap="$LOGS/$(echo "$name" | tr -c 'a-z0-9' _).tap"
  section "$name"
  node --test-reporter="$reporter" --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@"
  local rc=$?
  echo
  record "$name" "$rc" "$(count '^# pass ([0-9]+)$' "$tap")" \
    "$(( $(count '^# fail ([0-9]+)$' "$tap") + $(count '^# cancelled ([0-9]+)$' "$tap") ))"
}

# 1. as-pect (its logo is filtered out; its "[Tests]: passed / total" line is the count). Its
#    bin/asp.js only re-spawns node on lib/test.js with FORCE_COLOR=2: run lib/test.js directly.
section "as-pect: tests/assembly/*.spec.ts"
log="$LOGS/aspect.log"
node --enable-source-maps node_modules/@as-pect/cli/lib/test.js 2>&1 | strip_ansi | grep -vE '^[ _/\\|.]+$' | tee "$log"
rc=${PIPESTATUS[0]}
tests=$(count '^ *\[Tests\]: [0-9]+ \/ ([0-9]+)$' "$log")
passed=$(count '^ *\[Tests\]: ([0-9]+) \/ [0-9]+$' "$log")
record "as-pect (arena spec)" "$rc" "$passed" $((tests - passed))

# 2. Kernels and API on both builds.
files=(tests/kernels/*.test.ts tests/api/*.test.ts tests/grad/*.test.ts)
run_node "node: kernels, api, grad (both builds)" dot $RELAXED --import tsx --test --test-concurrency=2 "${files[@]}"

# 3. The smoke suite in every runtime. Same seed, same weights: the first run (Node, SIMD128 build)
#    writes the reference hash here, the others read it (tests/runtimes/reference_hash.js).
export LEPTON_WEIGHTS_HASH_FILE="$LOGS/weights.hash"
run_node "smoke: node, simd build (no flag)" spec --import tsx --test tests/runtimes/smoke.test.ts
run_node "smoke: node --experimental-wasm-relaxed-simd" spec $RELAXED --import tsx --test tests/runtimes/smoke.test.ts

# The full entry, then the core one, each in its own deno process (one engine per process).
for smoke in smoke smoke_core; do
  section "$smoke: deno"
  log="$LOGS/deno_$smoke.log"
  "$BIN/deno" test --sloppy-imports --allow-read=.,"$LEPTON_WEIGHTS_HASH_FILE" --allow-env=LEPTON_WEIGHTS_HASH_FILE \
    "tests/runtimes/$smoke.test.ts" 2>&1 | strip_ansi | tee "$log"
  rc=${PIPESTATUS[0]}
  # Its closing line: "ok | 5 passed | 0 failed (121ms)" or "FAILED | 4 passed | 1 failed (..)".
  record "$smoke: deno" "$rc" "$(count '^[okFAILED]+ \| ([0-9]+) passed.*$' "$log")" \
    "$(count '^[okFAILED]+ \|.* ([0-9]+) failed.*$' "$log")"
done

# The int8 kernels once more in Deno: its V8 compiles the relaxed build's fused int8 dot right
# (Node 20's does not, so ready() never picks it there), and this runs every case through it.
section "int8 kernels: deno (fused int8 dot)"
log="$LOGS/deno_int8.log"
"$BIN/deno" test --no-check --sloppy-imports --allow-read=. tests/kernels/int8_gemm.test.ts 2>&1 | strip_ansi | tee "$log"
rc=${PIPESTATUS[0]}
record "int8 kernels: deno" "$rc" "$(count '^[okFAILED]+ \| ([0-9]+) passed.*$' "$log")" \
  "$(count '^[okFAILED]+ \|.* ([0-9]+) failed.*$' "$log")"

for smoke in smoke smoke_core; do
  section "$smoke: bun"
  log="$LOGS/bun_$smoke.log"
  "$BIN/bun" test "./tests/runtimes/$smoke.test.ts" 2>&1 | strip_ansi | tee "$log"
  rc=${PIPESTATUS[0]}
  record "$smoke: bun" "$rc" "$(count '^ *([0-9]+) pass$' "$log")" "$(count '^ *([0-9]+) fail$' "$log")"
done

run_node "smoke: chromium (headless, playwright-core)" spec --import tsx --test tests/runtimes/chromium.test.ts
run_node "smoke: firefox-esr (headless, puppeteer)" spec --import tsx --test tests/runtimes/firefox.test.ts
run_node "browser demo: chromium (draw, train, screenshot)" spec --import tsx --test tests/runtimes/browser_demo.test.ts

# 4. The packed package, installed and imported by name (tests/package/pack.test.ts).
run_node "package: npm pack, install offline, import" spec --import tsx --test tests/package/pack.test.ts
# 5. The minified bundle (dist/lepton.min.js) through the smoke checks, and npm run size's report;
#    the core entry (dist/core.js) on its own .wasm builds, both of them.
run_node "package: min bundle, size report" spec --import tsx --test tests/package/min.test.ts tests/package/size.test.ts
run_node "package: core entry, simd build" spec --import tsx --test tests/package/core_entry.test.ts
run_node "package: core entry, relaxed build" spec $RELAXED --import tsx --test tests/package/core_entry.test.ts

# 6. The docs: the API reference (npm run docs: TypeDoc into a temporary folder, no warnings, key
#    pages; tests/package/docs.test.ts) and the README's snippets, type-checked and run (readme.test.ts).
run_node "docs: typedoc API reference" spec --import tsx --test tests/package/docs.test.ts
run_node "docs: README snippets type-check and run" spec --import tsx --test tests/package/readme.test.ts

section "summary (tests only; npm test builds first)"
printf '%s\n' "${summary[@]}"
printf '  %-44s %5d pass %4d fail %5ds\n' "total" "$total_pass" "$total_fail" "$SECONDS"
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
