// The managed-memory runtime of the as-pect test modules (as-pect.asconfig.json: "runtime").
//
// Why not AssemblyScript's own runtimes: assembly/arena.ts owns everything from __heap_base up
// (it grows memory on demand), and TLSF (incremental, minimal) and the stub bump allocator both
// start at __heap_base too: the first arena block overwrites TLSF's root (checked: the next
// `new Array` traps with "memory access out of bounds" in ~lib/rt/tlsf/allocateBlock).
// So this is rt/stub.ts with its heap moved BELOW the static data: as-pect.asconfig.json sets
// "memoryBase" (static data starts there instead of at 0), and managed objects live in the gap.
//
//   16            ASC_MEMORY_BASE   __heap_base
//   ┌─────────────┬─────────────────┬──────────────────────────────────────────────────►
//   │ managed heap │ static data     │ arena blocks (assembly/arena.ts), grows on demand
//   └─────────────┴─────────────────┴──────────────────────────────────────────────────►
//
// (A memory.data region would do too, but its megabytes of zeros are written into the test
// binary and make every compile slower.) Like the stub it never frees but the last block: specs
// keep per-step bookkeeping in memory.data tables, not in managed arrays, so that thousands of
// steps allocate nothing here.
import { AL_MASK, OBJECT, OBJECT_OVERHEAD, BLOCK_MAXSIZE, BLOCK_OVERHEAD, BLOCK, OBJECT_MAXSIZE } from "rt/common";

if (ASC_MEMORY_BASE < 1 << 20) ERROR("as-pect.asconfig.json must set memoryBase (>= 1 MiB) for tests/assembly/runtime.ts");
// @ts-ignore: decorator
@inline const HEAP: usize = 16;
// @ts-ignore: decorator
@inline const HEAP_END: usize = ASC_MEMORY_BASE;

// @ts-ignore: decorator
@lazy let offset: usize = ((HEAP + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;

// @ts-ignore: decorator
@inline function computeSize(size: usize): usize {
  return ((size + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
}

function bump(newOffset: usize): void {
  if (newOffset > HEAP_END) unreachable(); // the spec allocates too much: raise memoryBase in as-pect.asconfig.json
  offset = newOffset;
}

// @ts-ignore: decorator
@unsafe @global
export function __alloc(size: usize): usize {
  if (size > BLOCK_MAXSIZE) unreachable();
  const block = changetype<BLOCK>(offset);
  const ptr = offset + BLOCK_OVERHEAD;
  const payloadSize = computeSize(size);
  bump(ptr + payloadSize);
  block.mmInfo = payloadSize;
  return ptr;
}

// @ts-ignore: decorator
@unsafe @global
export function __realloc(ptr: usize, size: usize): usize {
  let block = changetype<BLOCK>(ptr - BLOCK_OVERHEAD);
  const actualSize = block.mmInfo;
  const isLast = ptr + actualSize == offset;
  const payloadSize = computeSize(size);
  if (size > actualSize) {
    if (isLast) {
      bump(ptr + payloadSize);
      block.mmInfo = payloadSize;
    } else {
      const newPtr = __alloc(max<usize>(payloadSize, actualSize << 1));
      memory.copy(newPtr, ptr, actualSize);
      ptr = newPtr;
    }
  } else if (isLast) {
    offset = ptr + payloadSize;
    block.mmInfo = payloadSize;
  }
  return ptr;
}

// @ts-ignore: decorator
@unsafe @global
export function __free(ptr: usize): void {
  const block = changetype<BLOCK>(ptr - BLOCK_OVERHEAD);
  if (ptr + block.mmInfo == offset) offset = changetype<usize>(block);
}

// @ts-ignore: decorator
@unsafe @global
export function __new(size: usize, id: u32): usize {
  if (size > OBJECT_MAXSIZE) unreachable();
  const ptr = __alloc(OBJECT_OVERHEAD + size);
  const object = changetype<OBJECT>(ptr - BLOCK_OVERHEAD);
  object.gcInfo = 0;
  object.gcInfo2 = 0;
  object.rtId = id;
  object.rtSize = <u32>size;
  return ptr + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@unsafe @global
export function __renew(oldPtr: usize, size: usize): usize {
  if (size > OBJECT_MAXSIZE) unreachable();
  const newPtr = __realloc(oldPtr - OBJECT_OVERHEAD, OBJECT_OVERHEAD + size);
  changetype<OBJECT>(newPtr - BLOCK_OVERHEAD).rtSize = <u32>size;
  return newPtr + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {}

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize { return ptr; }

// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {}

// @ts-ignore: decorator
@global @unsafe
function __visit(ptr: usize, cookie: u32): void {}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {}
