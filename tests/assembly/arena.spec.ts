// as-pect spec of assembly/arena.ts, compiled into the test module from source (SIMD128 options).
//
// The module's managed objects (as-pect's own bookkeeping, strings) live in a static region below
// __heap_base (tests/assembly/runtime.ts explains why), so the arena here owns all memory from
// __heap_base up, exactly as in the real builds. Per-step bookkeeping uses memory.data tables,
// not managed arrays; loops record the first fault (code + step) and assert once at the end.
// The same contract is tested on both real .wasm builds, at larger scale, in
// tests/kernels/arena.test.ts.
import {
  arena_alloc, arena_alloc_scoped, arena_free, arena_mark, arena_release, arena_persist,
  arena_set_limit, arena_block_size, arena_bytes_in_use, arena_peak_bytes, arena_reset_peak, arena_restore_peak,
  arena_live_blocks, arena_heap_end, arena_check,
} from "../../assembly/arena";

// ---- seeded generator (mulberry32, as tests/helpers/rng.ts) ------------------------------------

let seed: u32 = 0;
function rand(): u32 {
  seed += 0x6D2B79F5;
  let t = seed;
  t = (t ^ (t >> 15)) * (t | 1);
  t ^= t + (t ^ (t >> 7)) * (t | 61);
  return t ^ (t >> 14);
}
/** Uniform in [0, n). */
function below(n: u32): u32 {
  return <u32>((<u64>rand() * <u64>n) >> 32);
}
/** Mostly small requests, some pages, a few large ones. */
function randomSize(): usize {
  const r = below(100);
  if (r < 75) return below(200);
  if (r < 95) return 200 + below(4000);
  return 4096 + below(60000);
}

// ---- shadow model ------------------------------------------------------------------------------
// One row per live block: ptr, requested bytes, block size, tag, scope slot (-1: persistent).

// @ts-ignore: decorator
@inline const MAX_LIVE: i32 = 256;
// @ts-ignore: decorator
@inline const ROW: usize = 20;
const rows = memory.data(MAX_LIVE * <i32>ROW, 16);
let live: i32 = 0;
let modelBytes: usize = 0;
let baseBytes: usize = 0;
let baseBlocks: i32 = 0;
let modelPeak: usize = 0;
const marks = memory.data(64 * 4, 16);
let markDepth: i32 = 0;

let fault: i32 = 0;
let faultStep: i32 = -1;
let step: i32 = 0;
function fail(code: i32): void {
  if (fault == 0) { fault = code; faultStep = step; }
}

// @ts-ignore: decorator
@inline function rowAt(i: i32): usize { return rows + <usize>i * ROW; }
function ptrOf(i: i32): usize { return <usize>load<u32>(rowAt(i)); }
function reqOf(i: i32): usize { return <usize>load<u32>(rowAt(i), 4); }
function sizeOfRow(i: i32): usize { return <usize>load<u32>(rowAt(i), 8); }
function tagOf(i: i32): u8 { return <u8>load<u32>(rowAt(i), 12); }
function slotOf(i: i32): i32 { return load<i32>(rowAt(i), 16); }

/** Starts a model over the arena as it is now (which must hold no block of the model's). */
function resetModel(s: u32): void {
  seed = s;
  live = 0;
  modelBytes = 0;
  markDepth = 0;
  fault = 0;
  faultStep = -1;
  step = 0;
  // Make sure the scope stack exists (one persistent block of the arena's own) before the base.
  const m = arena_mark();
  if (arena_alloc_scoped(16) == 0) fail(90);
  arena_release(m);
  baseBytes = arena_bytes_in_use();
  baseBlocks = arena_live_blocks();
  arena_reset_peak();
  modelPeak = baseBytes;
}

/** Checks a fresh block against the contract and every live block, fills it, records it. */
function track(p: usize, req: usize, slot: i32): void {
  const size = arena_block_size(p);
  if ((p & 15) != 0) fail(10);
  // Padded to 16; a block taken from a free list may keep a tail too small to split (16).
  if (size < req || (size & 15) != 0 || size > ((max<usize>(req, 1) + 15) & ~15) + 16) fail(11);
  for (let i = 0; i < live; i++) {
    const q = ptrOf(i);
    if (p < q + sizeOfRow(i) && q < p + size) fail(12); // overlap
  }
  const tag = <u8>(1 + below(254));
  memory.fill(p, tag, size);
  const r = rowAt(live++);
  store<u32>(r, <u32>p);
  store<u32>(r, <u32>req, 4);
  store<u32>(r, <u32>size, 8);
  store<u32>(r, tag, 12);
  store<i32>(r, slot, 16);
  modelBytes += size;
  if (baseBytes + modelBytes > modelPeak) modelPeak = baseBytes + modelBytes;
}

/** Verifies that block i still holds its tag (nobody wrote over it), then drops row i. */
function untrack(i: i32): void {
  const p = ptrOf(i), size = sizeOfRow(i), tag = tagOf(i);
  for (let q = p; q < p + size; q++) if (load<u8>(q) != tag) { fail(20); break; }
  modelBytes -= size;
  memory.copy(rowAt(i), rowAt(live - 1), ROW);
  live--;
}

/** The arena agrees with the model: invariants, bytes, blocks, peak. */
function verify(): void {
  const c = arena_check();
  if (c != 0) fail(100 + c);
  if (arena_bytes_in_use() != baseBytes + modelBytes) fail(30);
  if (arena_live_blocks() != baseBlocks + live) fail(31);
  if (arena_peak_bytes() != modelPeak) fail(32);
}

function releaseTop(): void {
  const m = load<i32>(marks + (<usize>(--markDepth) << 2));
  for (let i = live - 1; i >= 0; i--) if (slotOf(i) >= m) untrack(i);
  arena_release(m);
}

/** Allocation attempts under a limit just above the heap's end: fit or fail without a trace. */
function oomStep(scoped: bool): void {
  const end = arena_heap_end();
  arena_set_limit(end + below(2048));
  const req = randomSize() + 4096;
  const bytes = arena_bytes_in_use(), blocks = arena_live_blocks(), depth = arena_mark();
  const peak = arena_peak_bytes(), pages = memory.size();
  const p = scoped ? arena_alloc_scoped(req) : arena_alloc(req);
  if (p == 0) {
    if (arena_bytes_in_use() != bytes || arena_live_blocks() != blocks || arena_mark() != depth ||
        arena_peak_bytes() != peak || arena_heap_end() != end || memory.size() != pages) fail(40);
  } else {
    if (p + arena_block_size(p) > end + 2048) fail(41);
    track(p, req, scoped ? depth : -1);
  }
  arena_set_limit(0);
}

function randomSteps(s: u32, steps: i32): void {
  resetModel(s);
  for (step = 0; step < steps && fault == 0; step++) {
    const r = below(100);
    if (r < 30 && live < MAX_LIVE) {
      const req = randomSize();
      const p = arena_alloc(req);
      if (p == 0) fail(50); else track(p, req, -1);
    } else if (r < 50 && live < MAX_LIVE && arena_mark() < 250) {
      const req = randomSize();
      const slot = arena_mark();
      const p = arena_alloc_scoped(req);
      if (p == 0) fail(51); else track(p, req, slot);
    } else if (r < 75 && live > 0) {
      const i = <i32>below(<u32>live);
      const p = ptrOf(i);
      if (slotOf(i) < 0) untrack(i); // a scoped block stays until its scope's release
      if (arena_free(p) != 0) fail(52);
    } else if (r < 82 && markDepth < 64) {
      store<i32>(marks + (<usize>(markDepth++) << 2), arena_mark());
    } else if (r < 90 && markDepth > 0) {
      releaseTop();
    } else if (r < 96 && live > 0) {
      const i = <i32>below(<u32>live);
      const want = slotOf(i) >= 0 ? 0 : -1;
      if (arena_persist(ptrOf(i)) != want) fail(53);
      store<i32>(rowAt(i), -1, 16);
    } else if (live < MAX_LIVE) {
      oomStep(below(2) == 1 && arena_mark() < 250);
    }
    verify();
  }
  // Tear down: release every scope, free everything, the arena is back where it started.
  while (markDepth > 0) releaseTop();
  arena_release(0);
  for (let i = live - 1; i >= 0; i--) {
    if (slotOf(i) < 0) { const p = ptrOf(i); untrack(i); if (arena_free(p) != 0) fail(61); }
  }
  for (let i = live - 1; i >= 0; i--) untrack(i); // scoped blocks taken before any mark
  verify();
  if (arena_bytes_in_use() != baseBytes || arena_live_blocks() != baseBlocks) fail(60);
}

describe("arena", () => {
  it("hands out 16-byte aligned blocks padded to 16 bytes", () => {
    const base = arena_bytes_in_use();
    let bad = -1;
    for (let n = 0; n < 300; n++) {
      const p = arena_alloc(<usize>n);
      const size = arena_block_size(p);
      if (p == 0 || (p & 15) != 0 || size < <usize>max(n, 1) || (size & 15) != 0) { bad = n; break; }
      memory.fill(p, 0xEE, size);
      if (arena_free(p) != 0 || arena_check() != 0) { bad = n; break; }
    }
    expect<i32>(bad).toBe(-1, "first bad request size");
    expect<usize>(arena_bytes_in_use()).toBe(base);
  });

  it("reuses a freed block and coalesces neighbours", () => {
    const a = arena_alloc(100), b = arena_alloc(100), c = arena_alloc(100), d = arena_alloc(100);
    expect<i32>(arena_free(b)).toBe(0);
    expect<usize>(arena_alloc(100)).toBe(b, "same size goes back to the freed block");
    expect<i32>(arena_free(a)).toBe(0);
    expect<i32>(arena_free(b)).toBe(0);
    expect<i32>(arena_free(c)).toBe(0);
    expect<i32>(arena_check()).toBe(0);
    const big = arena_alloc(3 * 112 + 2 * 16); // a, b and c with the two headers between them
    expect<usize>(big).toBe(a, "three coalesced neighbours serve one larger block");
    expect<i32>(arena_free(big)).toBe(0);
    const end = arena_heap_end();
    expect<i32>(arena_free(d)).toBe(0);
    expect<usize>(arena_heap_end()).toBeLessThan(end, "a free block at the top goes back");
    expect<i32>(arena_check()).toBe(0);
  });

  it("rejects pointers that are not live blocks", () => {
    const p = arena_alloc(64);
    memory.fill(p, 0, 64);
    expect<i32>(arena_free(0)).toBe(-1);
    expect<i32>(arena_free(p + 4)).toBe(-1, "unaligned");
    expect<i32>(arena_free(p + 16)).toBe(-1, "inside a block");
    expect<i32>(arena_free(arena_heap_end() + 64)).toBe(-1, "past the heap");
    expect<i32>(arena_persist(p)).toBe(-1, "persistent blocks cannot be persisted");
    expect<i32>(arena_free(p)).toBe(0);
    expect<i32>(arena_free(p)).toBe(-1, "double free");
    expect<usize>(arena_block_size(p)).toBe(0);
    expect<i32>(arena_check()).toBe(0);
  });

  it("releases nested scopes newest first and keeps persisted blocks", () => {
    const warm = arena_mark(); // the first scoped block creates the scope stack (an arena block)
    arena_alloc_scoped(0);
    arena_release(warm);
    const base = arena_bytes_in_use(), blocks = arena_live_blocks();
    const outer = arena_mark();
    const a = arena_alloc_scoped(40);
    const inner = arena_mark();
    const b = arena_alloc_scoped(40);
    const c = arena_alloc_scoped(40);
    expect<i32>(arena_persist(c)).toBe(0);
    expect<i32>(arena_free(b)).toBe(0, "freeing a scoped block is deferred");
    expect<usize>(arena_block_size(b)).toBe(48, "still live until its scope ends");
    arena_release(inner);
    expect<usize>(arena_block_size(b)).toBe(0, "inner scope released b");
    expect<usize>(arena_block_size(a)).toBe(48, "outer scope still holds a");
    expect<usize>(arena_block_size(c)).toBe(48, "persisted c survives");
    expect<i32>(arena_check()).toBe(0);
    arena_release(outer);
    expect<usize>(arena_block_size(a)).toBe(0);
    expect<usize>(arena_block_size(c)).toBe(48);
    expect<i32>(arena_persist(c)).toBe(-1, "already persistent");
    expect<i32>(arena_free(c)).toBe(0);
    expect<i32>(arena_check()).toBe(0);
    expect<usize>(arena_bytes_in_use()).toBe(base);
    expect<i32>(arena_live_blocks()).toBe(blocks);
  });

  it("grows the scope stack past its first capacity", () => {
    const m = arena_mark();
    let bad = -1;
    for (let i = 0; i < 1000; i++) if (arena_alloc_scoped(<usize>(i & 63)) == 0) { bad = i; break; }
    expect<i32>(bad).toBe(-1);
    expect<i32>(arena_mark()).toBe(m + 1000);
    expect<i32>(arena_check()).toBe(0);
    arena_release(m);
    expect<i32>(arena_check()).toBe(0);
  });

  it("returns 0 when out of memory, changes nothing, and works afterwards", () => {
    const end = arena_heap_end(), bytes = arena_bytes_in_use(), blocks = arena_live_blocks();
    const pages = memory.size();
    arena_set_limit(end + 1024);
    // Larger than the whole heap, so no free block can serve it: it needs growth past the limit.
    expect<usize>(arena_alloc(end)).toBe(0, "past the limit");
    expect<usize>(arena_alloc_scoped(end)).toBe(0, "scoped, past the limit");
    expect<usize>(arena_heap_end()).toBe(end);
    expect<usize>(arena_bytes_in_use()).toBe(bytes);
    expect<i32>(arena_live_blocks()).toBe(blocks);
    expect<i32>(memory.size()).toBe(pages);
    const small = arena_alloc(256);
    expect<bool>(small != 0).toBe(true, "what fits under the limit still works");
    expect<i32>(arena_free(small)).toBe(0);
    arena_set_limit(0);
    expect<usize>(arena_alloc(0xFFFF_FFF0)).toBe(0, "beyond the largest request");
    expect<usize>(arena_alloc(0xFFFF_0000)).toBe(0, "the largest request does not fit after the heap's start");
    expect<i32>(arena_check()).toBe(0);
    const p = arena_alloc(200000);
    expect<bool>(p != 0).toBe(true, "usable after the limit is lifted");
    expect<i32>(arena_free(p)).toBe(0);
    expect<usize>(arena_bytes_in_use()).toBe(bytes);
    expect<i32>(arena_check()).toBe(0);
  });

  it("puts the peak back after scratch of its own, never below what is in use", () => {
    const held = arena_alloc(4096);
    arena_reset_peak();
    const peak = arena_peak_bytes();
    const scratch = arena_alloc(1 << 16);
    expect<bool>(arena_peak_bytes() > peak).toBe(true, "the scratch raised the peak");
    arena_free(scratch);
    arena_restore_peak(peak);
    expect<usize>(arena_peak_bytes()).toBe(peak);
    arena_free(held);
    arena_restore_peak(0);
    expect<usize>(arena_peak_bytes()).toBe(arena_bytes_in_use());
    expect<i32>(arena_check()).toBe(0);
  });

  it("survives 3000 random alloc/free/scope/persist/limit steps (seed 1)", () => {
    randomSteps(1, 3000);
    if (fault != 0) log<string>("fault " + fault.toString() + " at step " + faultStep.toString());
    expect<i32>(fault).toBe(0);
  });

  it("survives 3000 random steps (seed 0xC0FFEE)", () => {
    randomSteps(0xC0FFEE, 3000);
    if (fault != 0) log<string>("fault " + fault.toString() + " at step " + faultStep.toString());
    expect<i32>(fault).toBe(0);
  });
});
