// The arena: every tensor, weight and kernel scratch buffer lives in blocks handed out here.
//
// Memory map (one WebAssembly.Memory, grown on demand, never shrunk):
//
//   0            __heap_base  heapStart                               top          memory end
//   ┌────────────┬──────────┬────────┬─────────┬────────┬─────────────┬──────────────┐
//   │ static data│ (pad 16) │ block  │ block   │ block  │ ...         │ wilderness   │
//   └────────────┴──────────┴────────┴─────────┴────────┴─────────────┴──────────────┘
//
// Block (header 16 bytes, payload 16-byte aligned and a multiple of 16 bytes long):
//
//   ┌───────────────────────┬──────────────────┬────────────────┬────────────────┬─────────────┐
//   │ info: u32             │ prevPhys: u32    │ nextFree: u32  │ prevFree: u32  │ payload ... │
//   │ size | SCOPED | USED  │ header of the    │ free list links, or MAGIC and  │             │
//   │ (size = payload bytes)│ block before us  │ scope index when used          │             │
//   └───────────────────────┴──────────────────┴────────────────┴────────────────┴─────────────┘
//
// Two lifetimes:
// - persistent blocks: arena_alloc / arena_free. Free blocks sit in segregated lists (one per
//   power of two of the size, a bitmap says which lists are non-empty), are split on allocation
//   and coalesced with their physical neighbours on free. A free block at the top gives its
//   bytes back to the wilderness.
// - scoped blocks: arena_alloc_scoped pushes the block on the scope stack; arena_release(mark)
//   frees every scoped block pushed since arena_mark() returned `mark`. arena_free on a scoped
//   block is deferred to that release (so no stack entry can ever go stale); arena_persist
//   turns a scoped block into a persistent one (how tidy() keeps the tensors it returns).
//
// Contract (tested in tests/assembly/arena.spec.ts):
// - every payload is 16-byte aligned and padded to a multiple of 16: kernels may over-read up to
//   the padded end but never write past the logical length;
// - a failed allocation returns 0 and changes nothing: no trap, the arena stays usable.

// @ts-ignore: decorator
@inline const HEADER: usize = 16;
// @ts-ignore: decorator
@inline const USED: u32 = 1;
// @ts-ignore: decorator
@inline const SCOPED: u32 = 2;
// @ts-ignore: decorator
@inline const FLAGS: u32 = 15;
// @ts-ignore: decorator
@inline const MAGIC: u32 = 0x4C50544E; // "LPTN": marks the header of a block in use
// @ts-ignore: decorator
@inline const CLASSES: i32 = 28; // size classes 16 << c, c < 28 (up to 4 GiB)
// @ts-ignore: decorator
@inline const MAX_REQUEST: usize = 0xFFFF_0000;

const freeHeads = memory.data(CLASSES * 4, 16); // u32 header pointer per size class
let freeBitmap: u32 = 0;
let heapStart: usize = 0;
let top: usize = 0; // first byte past the last block
let lastBlock: usize = 0; // header of the physically last block, 0 when there is none
let limitBytes: usize = 0; // 0: no limit but the engine's 4 GiB
let inUse: usize = 0;
let peak: usize = 0;
let liveBlocks: i32 = 0;

// The scope stack: u32 header pointers. The first 256 entries are static data, so that ordinary
// use never shows the stack as a live block (memory() stays flat from the first op on); deeper
// nesting moves it into a persistent arena block that doubles as needed.
// @ts-ignore: decorator
@inline const STATIC_SCOPE_ENTRIES: i32 = 256;
const staticScopeStack = memory.data(STATIC_SCOPE_ENTRIES << 2, 16);
let scopeStack: usize = staticScopeStack;
let scopeCapacity: i32 = STATIC_SCOPE_ENTRIES;
let scopeDepth: i32 = 0;

// ---- header fields -------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function sizeOf(h: usize): usize { return <usize>(load<u32>(h) & ~FLAGS); }
// @ts-ignore: decorator
@inline function isUsed(h: usize): bool { return (load<u32>(h) & USED) != 0; }
// @ts-ignore: decorator
@inline function prevPhys(h: usize): usize { return <usize>load<u32>(h, 4); }
// @ts-ignore: decorator
@inline function nextPhys(h: usize): usize { return h + HEADER + sizeOf(h); }

function sizeClass(size: usize): i32 {
  return 31 - clz<i32>(<i32>(size >> 4)); // size >= 16
}

function ensureInit(): void {
  if (heapStart != 0) return;
  heapStart = (__heap_base + 15) & ~15;
  top = heapStart;
}

// ---- free lists ----------------------------------------------------------------------------

function pushFree(h: usize): void {
  const c = sizeClass(sizeOf(h));
  const slot = freeHeads + (<usize>c << 2);
  const head = <usize>load<u32>(slot);
  store<u32>(h, <u32>head, 8);
  store<u32>(h, 0, 12);
  if (head != 0) store<u32>(head, <u32>h, 12);
  store<u32>(slot, <u32>h);
  freeBitmap |= 1 << c;
}

function unlinkFree(h: usize): void {
  const c = sizeClass(sizeOf(h));
  const next = <usize>load<u32>(h, 8);
  const prev = <usize>load<u32>(h, 12);
  if (prev != 0) store<u32>(prev, <u32>next, 8);
  else {
    store<u32>(freeHeads + (<usize>c << 2), <u32>next);
    if (next == 0) freeBitmap &= ~(1 << c);
  }
  if (next != 0) store<u32>(next, <u32>prev, 12);
}

/** First free block with at least `size` payload bytes, unlinked; 0 if none. */
function takeFree(size: usize): usize {
  const c = sizeClass(size);
  // The block's own class may hold blocks that are too small: walk it.
  let h = <usize>load<u32>(freeHeads + (<usize>c << 2));
  while (h != 0) {
    if (sizeOf(h) >= size) { unlinkFree(h); return h; }
    h = <usize>load<u32>(h, 8);
  }
  // Any block of a higher class fits.
  const higher = c + 1 < 32 ? freeBitmap & ~((<u32>2 << <u32>c) - 1) : 0;
  if (higher == 0) return 0;
  h = <usize>load<u32>(freeHeads + (<usize>ctz<u32>(higher) << 2));
  unlinkFree(h);
  return h;
}

// ---- growth --------------------------------------------------------------------------------

/** Makes sure [.., end) is backed by memory; false if the limit or memory.grow says no. */
function reach(end: usize): bool {
  if (limitBytes != 0 && end > limitBytes) return false;
  const have = <usize>memory.size() << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xFFFF) >> 16);
  return memory.grow(pages) >= 0;
}

// ---- allocation ----------------------------------------------------------------------------

function markUsed(h: usize, size: usize, flags: u32): void {
  store<u32>(h, <u32>size | USED | flags);
  store<u32>(h, MAGIC, 8);
  inUse += size;
  if (inUse > peak) peak = inUse;
  liveBlocks++;
}

/** Splits the tail of free-or-used block h beyond `size` payload bytes into a free block. */
function splitTail(h: usize, size: usize): void {
  const have = sizeOf(h);
  if (have - size < HEADER + 16) return;
  const rest = h + HEADER + size;
  store<u32>(rest, <u32>(have - size - HEADER));
  store<u32>(rest, <u32>h, 4);
  store<u32>(h, <u32>size | (load<u32>(h) & FLAGS));
  if (h == lastBlock) lastBlock = rest;
  else store<u32>(nextPhys(rest), <u32>rest, 4);
  pushFree(rest);
}

function allocate(bytes: usize, flags: u32): usize {
  ensureInit();
  if (bytes > MAX_REQUEST) return 0;
  const size: usize = bytes == 0 ? 16 : (bytes + 15) & ~(<usize>15);
  let h = takeFree(size);
  if (h != 0) {
    splitTail(h, size);
  } else {
    // No free block fits (the physically last block is always in use: see release): bump.
    h = top;
    if (size > MAX_REQUEST - h || !reach(h + HEADER + size)) return 0;
    store<u32>(h, <u32>size);
    store<u32>(h, <u32>lastBlock, 4);
    lastBlock = h;
    top = h + HEADER + size;
  }
  markUsed(h, sizeOf(h), flags);
  return h + HEADER;
}

/** Frees block h (in use): coalesces with free neighbours, returns the top to the wilderness. */
function release(h: usize): void {
  let size = sizeOf(h);
  inUse -= size;
  liveBlocks--;
  store<u32>(h, <u32>size); // clears USED, SCOPED
  store<u32>(h, 0, 8); // clears MAGIC
  if (h != lastBlock) {
    const next = nextPhys(h);
    if (!isUsed(next)) {
      unlinkFree(next);
      if (next == lastBlock) lastBlock = h;
      else store<u32>(nextPhys(next), <u32>h, 4);
      size += HEADER + sizeOf(next);
      store<u32>(h, <u32>size);
    }
  }
  const prev = prevPhys(h);
  if (prev != 0 && !isUsed(prev)) {
    unlinkFree(prev);
    if (h == lastBlock) lastBlock = prev;
    else store<u32>(nextPhys(h), <u32>prev, 4);
    store<u32>(prev, <u32>(sizeOf(prev) + HEADER + size));
    h = prev;
  }
  if (h == lastBlock) {
    top = h;
    lastBlock = prevPhys(h);
  } else {
    pushFree(h);
  }
}

/** Header of the block whose payload is p, or 0 when p is not a live block's payload. */
function liveHeader(p: usize): usize {
  if (p < heapStart + HEADER || p >= top || (p & 15) != 0) return 0;
  const h = p - HEADER;
  if (!isUsed(h) || load<u32>(h, 8) != MAGIC) return 0;
  return h;
}

// ---- exports -------------------------------------------------------------------------------

/** A persistent block of at least `bytes` bytes, 16-byte aligned; 0 when out of memory. */
export function arena_alloc(bytes: usize): usize {
  return allocate(bytes, 0);
}

/** Frees a persistent block now, or a scoped one at its scope's release. 0 ok, -1 not a block. */
export function arena_free(p: usize): i32 {
  const h = liveHeader(p);
  if (h == 0) return -1;
  if ((load<u32>(h) & SCOPED) != 0) return 0;
  release(h);
  return 0;
}

function growScopeStack(): bool {
  const capacity = scopeCapacity * 2;
  const fresh = allocate(<usize>capacity << 2, 0);
  if (fresh == 0) return false;
  memory.copy(fresh, scopeStack, <usize>scopeDepth << 2);
  if (scopeStack != staticScopeStack) release(scopeStack - HEADER);
  scopeStack = fresh;
  scopeCapacity = capacity;
  return true;
}

/** A block freed at the next arena_release of a mark taken before it; 0 when out of memory. */
export function arena_alloc_scoped(bytes: usize): usize {
  ensureInit();
  if (scopeDepth == scopeCapacity && !growScopeStack()) return 0;
  const p = allocate(bytes, SCOPED);
  if (p == 0) return 0;
  store<u32>(scopeStack + (<usize>scopeDepth << 2), <u32>(p - HEADER));
  scopeDepth++;
  return p;
}

export function arena_mark(): i32 {
  return scopeDepth;
}

/** Frees every scoped block allocated since `mark` (newest first). */
export function arena_release(mark: i32): void {
  if (mark < 0) mark = 0;
  while (scopeDepth > mark) {
    scopeDepth--;
    const h = <usize>load<u32>(scopeStack + (<usize>scopeDepth << 2));
    if (h != 0) release(h);
  }
}

/** Makes a scoped block persistent (tidy's kept results). 0 ok, -1 not a scoped block. */
export function arena_persist(p: usize): i32 {
  const h = liveHeader(p);
  if (h == 0 || (load<u32>(h) & SCOPED) == 0) return -1;
  store<u32>(h, load<u32>(h) & ~SCOPED);
  for (let i = scopeDepth - 1; i >= 0; i--) {
    const slot = scopeStack + (<usize>i << 2);
    if (<usize>load<u32>(slot) == h) { store<u32>(slot, 0); break; }
  }
  return 0;
}

/** Caps the arena's end at `bytes` of linear memory (0 lifts the cap): small-device emulation. */
export function arena_set_limit(bytes: usize): void {
  limitBytes = bytes;
}

/** Payload bytes of a live block (its padded size), 0 when p is not one. */
export function arena_block_size(p: usize): usize {
  const h = liveHeader(p);
  return h == 0 ? 0 : sizeOf(h);
}

export function arena_bytes_in_use(): usize { return inUse; }
export function arena_peak_bytes(): usize { return peak; }
export function arena_reset_peak(): void { peak = inUse; }
/** Puts the peak back to `bytes` (at least what is in use): the engine's own scratch between two
 *  calls of the app (the tile calibration's later passes) is not the app's peak. */
export function arena_restore_peak(bytes: usize): void { peak = max(bytes, inUse); }
export function arena_live_blocks(): i32 { return liveBlocks; }
export function arena_heap_end(): usize { ensureInit(); return top; }

/** Walks the heap and checks every invariant; 0 when consistent, else a code naming the fault. */
export function arena_check(): i32 {
  ensureInit();
  let h = heapStart;
  let prev: usize = 0;
  let used: usize = 0;
  let live = 0;
  let prevFree = false;
  while (h < top) {
    if (prevPhys(h) != prev) return 1;
    const size = sizeOf(h);
    if ((size & 15) != 0 || size == 0) return 2;
    if (isUsed(h)) {
      if (load<u32>(h, 8) != MAGIC) return 3;
      used += size;
      live++;
      prevFree = false;
    } else {
      if (prevFree) return 4; // two free neighbours were not coalesced
      prevFree = true;
    }
    prev = h;
    h = nextPhys(h);
  }
  if (h != top) return 5;
  if (prev != lastBlock) return 6;
  if (prevFree) return 7; // a free block at the top should have gone back to the wilderness
  if (used != inUse || live != liveBlocks) return 8;
  return 0;
}
