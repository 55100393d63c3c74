// The arena (assembly/arena.ts) on BOTH real builds: its contract, and long seeded random
// sequences of alloc/free/alloc_scoped/mark/release/persist/limit checked against a shadow
// model in JS (no overlap between live blocks, alignment, padding, block contents intact,
// bytes_in_use / live_blocks / peak accounting, arena_check() == 0 after every step).
// tests/assembly/arena.spec.ts runs a smaller version inside as-pect.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, loadBuild, type Kernels } from '../helpers/wasm.js';
import { randInt, rng } from '../helpers/rng.js';

interface Block { p: number; req: number; size: number; tag: number; slot: number /* -1: persistent */ }

/** Mostly small requests, some pages, a few large ones. */
function randomSize(rand: () => number): number {
  const r = rand();
  if (r < 0.75) return randInt(rand, 0, 199);
  if (r < 0.95) return randInt(rand, 200, 4199);
  return randInt(rand, 4096, 65535);
}

/** Upper bound of a block's payload: padded to 16, plus a free-list tail too small to split. */
const maxSize = (req: number) => Math.ceil(Math.max(req, 1) / 16) * 16 + 16;

/** The arena's state that a failed call must leave alone. */
function snapshot(k: Kernels) {
  return {
    bytes: k.arena_bytes_in_use(), blocks: k.arena_live_blocks(), peak: k.arena_peak_bytes(),
    end: k.arena_heap_end(), depth: k.arena_mark(), memory: k.memory.buffer.byteLength,
  };
}

/** A shadow of the arena: every live block the test owns, and the expected accounting. */
class Model {
  blocks: Block[] = [];
  marks: number[] = [];
  bytes = 0;
  readonly baseBytes: number;
  readonly baseBlocks: number;
  peak: number;

  constructor(readonly k: Kernels, readonly rand: () => number) {
    this.baseBytes = k.arena_bytes_in_use();
    this.baseBlocks = k.arena_live_blocks();
    k.arena_reset_peak();
    this.peak = this.baseBytes;
  }

  words(b: Block): Uint32Array {
    return new Uint32Array(this.k.memory.buffer, b.p, b.size >> 2);
  }

  /** Checks a fresh block against the contract and every live block, fills it, records it. */
  track(p: number, req: number, slot: number, what: string): void {
    const size = this.k.arena_block_size(p);
    assert.equal(p % 16, 0, `${what}: ${p} not 16-byte aligned`);
    assert.ok(size >= req && size % 16 === 0 && size <= maxSize(req), `${what}: block of ${size} for ${req} bytes`);
    for (const b of this.blocks) {
      assert.ok(p + size <= b.p || b.p + b.size <= p,
        `${what}: [${p}, ${p + size}) overlaps live block [${b.p}, ${b.p + b.size})`);
    }
    const block = { p, req, size, tag: (1 + Math.floor(this.rand() * 0xFFFFFFFE)) >>> 0, slot };
    this.words(block).fill(block.tag);
    this.blocks.push(block);
    this.bytes += size;
    this.peak = Math.max(this.peak, this.baseBytes + this.bytes);
  }

  /** Verifies that a block still holds its tag (nobody wrote over it) and forgets it. */
  untrack(b: Block, what: string): void {
    const words = this.words(b);
    const bad = words.findIndex((w) => w !== b.tag);
    assert.equal(bad, -1, `${what}: block [${b.p}, ${b.p + b.size}) was overwritten at word ${bad}`);
    this.blocks.splice(this.blocks.indexOf(b), 1);
    this.bytes -= b.size;
  }

  verify(what: string): void {
    const k = this.k;
    assert.equal(k.arena_check(), 0, `${what}: arena_check`);
    assert.equal(k.arena_bytes_in_use(), this.baseBytes + this.bytes, `${what}: bytes_in_use`);
    assert.equal(k.arena_live_blocks(), this.baseBlocks + this.blocks.length, `${what}: live_blocks`);
    assert.equal(k.arena_peak_bytes(), this.peak, `${what}: peak_bytes`);
  }

  pick(filter: (b: Block) => boolean = () => true): Block | undefined {
    const candidates = this.blocks.filter(filter);
    return candidates[Math.floor(this.rand() * candidates.length)];
  }

  releaseTop(what: string): void {
    const m = this.marks.pop()!;
    for (const b of this.blocks.filter((x) => x.slot >= m)) this.untrack(b, what);
    this.k.arena_release(m);
  }

  /** Tears everything down; the arena must be back at its base. */
  finish(): void {
    const k = this.k;
    while (this.marks.length > 0) this.releaseTop('finish');
    for (const b of this.blocks.filter((x) => x.slot >= 0)) this.untrack(b, 'finish');
    k.arena_release(0);
    for (const b of [...this.blocks]) {
      this.untrack(b, 'finish');
      assert.equal(k.arena_free(b.p), 0);
    }
    this.verify('finish');
  }
}

function randomSteps(k: Kernels, seed: number, steps: number): void {
  const rand = rng(seed);
  const model = new Model(k, rand);
  for (let step = 0; step < steps; step++) {
    const what = `seed ${seed} step ${step}`;
    const r = rand();
    if (r < 0.30 && model.blocks.length < 300) {
      const req = randomSize(rand);
      const p = k.arena_alloc(req);
      assert.notEqual(p, 0, `${what}: arena_alloc(${req})`);
      model.track(p, req, -1, what);
    } else if (r < 0.50 && model.blocks.length < 300 && k.arena_mark() < 250) {
      // (below the scope stack's first capacity: its growth would move the base)
      const req = randomSize(rand);
      const slot = k.arena_mark();
      const p = k.arena_alloc_scoped(req);
      assert.notEqual(p, 0, `${what}: arena_alloc_scoped(${req})`);
      model.track(p, req, slot, what);
    } else if (r < 0.75 && model.blocks.length > 0) {
      const b = model.pick()!;
      if (b.slot < 0) model.untrack(b, what); // a scoped block lives on until its scope's release
      assert.equal(k.arena_free(b.p), 0, `${what}: arena_free`);
    } else if (r < 0.82 && model.marks.length < 64) {
      model.marks.push(k.arena_mark());
    } else if (r < 0.90 && model.marks.length > 0) {
      model.releaseTop(what);
    } else if (r < 0.96 && model.blocks.length > 0) {
      const b = model.pick()!;
      assert.equal(k.arena_persist(b.p), b.slot >= 0 ? 0 : -1, `${what}: arena_persist`);
      b.slot = -1;
    } else {
      // Under a limit just above the heap's end: an allocation fits or fails leaving no trace.
      const scoped = rand() < 0.5 && k.arena_mark() < 250;
      const before = snapshot(k);
      k.arena_set_limit(before.end + randInt(rand, 0, 2047));
      const req = randomSize(rand) + 4096;
      const p = scoped ? k.arena_alloc_scoped(req) : k.arena_alloc(req);
      if (p === 0) {
        assert.deepEqual(snapshot(k), before, `${what}: a failed allocation changed the arena`);
      } else {
        assert.ok(p + k.arena_block_size(p) <= before.end + 2048, `${what}: block past the limit`);
        model.track(p, req, scoped ? before.depth : -1, what);
      }
      k.arena_set_limit(0);
    }
    model.verify(what);
  }
  model.finish();
}

for (const { name, k } of builds) {
  describe(`arena [${name}]`, () => {
    it('hands out 16-byte aligned blocks padded to 16 bytes, at least as large as asked', () => {
      const base = k.arena_bytes_in_use();
      for (const n of [...Array(300).keys(), 1000, 4095, 4096, 4097, 65535, 65536, 1 << 20]) {
        const p = k.arena_alloc(n);
        const size = k.arena_block_size(p);
        assert.ok(p !== 0 && p % 16 === 0, `alloc(${n}) = ${p}`);
        assert.ok(size >= Math.max(n, 1) && size % 16 === 0 && size <= maxSize(n), `alloc(${n}): size ${size}`);
        new Uint8Array(k.memory.buffer, p, size).fill(0xEE);
        assert.equal(k.arena_free(p), 0);
        assert.equal(k.arena_check(), 0);
      }
      assert.equal(k.arena_bytes_in_use(), base);
    });

    it('reuses freed blocks, coalesces neighbours and gives the top back', () => {
      const [a, b, c, d] = [100, 100, 100, 100].map((n) => k.arena_alloc(n));
      assert.equal(k.arena_free(b), 0);
      assert.equal(k.arena_alloc(100), b, 'a block of the same size goes back where it was');
      for (const p of [a, b, c]) assert.equal(k.arena_free(p), 0);
      assert.equal(k.arena_check(), 0);
      const big = k.arena_alloc(3 * 112 + 2 * 16);
      assert.equal(big, a, 'three coalesced neighbours (and the headers between them) serve one block');
      assert.equal(k.arena_free(big), 0);
      const end = k.arena_heap_end();
      assert.equal(k.arena_free(d), 0);
      assert.ok(k.arena_heap_end() < end, 'a free block at the top goes back to the wilderness');
      assert.equal(k.arena_check(), 0);
    });

    it('counts bytes, blocks and the peak', () => {
      const bytes = k.arena_bytes_in_use(), blocks = k.arena_live_blocks();
      k.arena_reset_peak();
      assert.equal(k.arena_peak_bytes(), bytes);
      const a = k.arena_alloc(1000), b = k.arena_alloc(24);
      assert.equal(k.arena_bytes_in_use(), bytes + 1008 + 32);
      assert.equal(k.arena_live_blocks(), blocks + 2);
      k.arena_free(a);
      k.arena_free(b);
      assert.equal(k.arena_bytes_in_use(), bytes);
      assert.equal(k.arena_peak_bytes(), bytes + 1040, 'the peak stays');
      k.arena_reset_peak();
      assert.equal(k.arena_peak_bytes(), bytes);
    });

    it('returns -1 for pointers that are not live blocks', () => {
      const p = k.arena_alloc(64);
      new Uint8Array(k.memory.buffer, p, 64).fill(0);
      assert.equal(k.arena_free(0), -1);
      assert.equal(k.arena_free(p + 4), -1, 'unaligned');
      assert.equal(k.arena_free(p + 16), -1, 'inside a block');
      assert.equal(k.arena_free(k.arena_heap_end() + 64), -1, 'past the heap');
      assert.equal(k.arena_free(0xFFFF_FFF0), -1, 'far past the heap');
      assert.equal(k.arena_persist(p), -1, 'a persistent block cannot be persisted');
      assert.equal(k.arena_free(p), 0);
      assert.equal(k.arena_free(p), -1, 'double free');
      assert.equal(k.arena_persist(p), -1);
      assert.equal(k.arena_block_size(p), 0);
      assert.equal(k.arena_check(), 0);
    });

    it('releases nested scopes newest first; persisted and deferred-free blocks behave', () => {
      const bytes = k.arena_bytes_in_use(), blocks = k.arena_live_blocks();
      const outer = k.arena_mark();
      const a = k.arena_alloc_scoped(40);
      const inner = k.arena_mark();
      const b = k.arena_alloc_scoped(40);
      const c = k.arena_alloc_scoped(40);
      assert.equal(inner, outer + 1);
      assert.equal(k.arena_persist(c), 0);
      assert.equal(k.arena_free(b), 0, 'freeing a scoped block is deferred');
      assert.equal(k.arena_block_size(b), 48, 'b lives until its scope ends');
      k.arena_release(inner);
      assert.equal(k.arena_block_size(b), 0, 'the inner release freed b');
      assert.equal(k.arena_block_size(a), 48, 'the outer scope still holds a');
      assert.equal(k.arena_block_size(c), 48, 'persisted c survives');
      assert.equal(k.arena_check(), 0);
      k.arena_release(outer);
      assert.equal(k.arena_block_size(a), 0);
      assert.equal(k.arena_block_size(c), 48);
      assert.equal(k.arena_persist(c), -1, 'already persistent');
      assert.equal(k.arena_free(c), 0);
      k.arena_release(outer); // releasing an already released mark is harmless
      k.arena_release(-5);
      assert.equal(k.arena_check(), 0);
      assert.equal(k.arena_bytes_in_use(), bytes);
      assert.equal(k.arena_live_blocks(), blocks);
    });

    it('keeps no bookkeeping block while scopes stay within the static stack', async () => {
      const fresh = (await loadBuild(name)).k;
      assert.equal(fresh.arena_bytes_in_use(), 0);
      assert.equal(fresh.arena_live_blocks(), 0);
      const m = fresh.arena_mark();
      for (let i = 0; i < 256; i++) assert.notEqual(fresh.arena_alloc_scoped(16), 0);
      assert.equal(fresh.arena_live_blocks(), 256, 'the 256 scoped blocks, no stack block');
      fresh.arena_release(m);
      assert.equal(fresh.arena_bytes_in_use(), 0, 'the first scopes leave nothing behind');
      assert.equal(fresh.arena_live_blocks(), 0);
      assert.equal(fresh.arena_check(), 0);
      // The 257th nested block moves the stack into an arena block (kept for later nesting).
      for (let i = 0; i < 257; i++) assert.notEqual(fresh.arena_alloc_scoped(16), 0);
      fresh.arena_release(m);
      assert.equal(fresh.arena_live_blocks(), 1, 'the grown stack');
      assert.equal(fresh.arena_bytes_in_use(), 512 * 4);
      assert.equal(fresh.arena_check(), 0);
    });

    it('grows the scope stack past its first capacity', () => {
      const m = k.arena_mark();
      const ptrs = Array.from({ length: 1500 }, (_, i) => k.arena_alloc_scoped(i % 64));
      assert.ok(ptrs.every((p) => p !== 0));
      assert.equal(k.arena_mark(), m + 1500);
      assert.equal(k.arena_persist(ptrs[3]), 0, 'found deep in the stack');
      assert.equal(k.arena_check(), 0);
      k.arena_release(m);
      assert.notEqual(k.arena_block_size(ptrs[3]), 0, 'the persisted block survives the release');
      assert.equal(k.arena_block_size(ptrs[4]), 0);
      assert.equal(k.arena_free(ptrs[3]), 0);
      assert.equal(k.arena_check(), 0);
    });

    it('returns 0 when out of memory, changes nothing, and works afterwards', () => {
      const before = snapshot(k);
      k.arena_set_limit(before.end + 1024);
      // Larger than the whole heap, so no free block can serve it: it needs growth past the limit.
      assert.equal(k.arena_alloc(before.end), 0);
      assert.equal(k.arena_alloc_scoped(before.end), 0);
      assert.deepEqual(snapshot(k), before);
      const small = k.arena_alloc(256);
      assert.notEqual(small, 0, 'what fits under the limit still works');
      assert.equal(k.arena_free(small), 0);
      k.arena_set_limit(0);
      assert.equal(k.arena_alloc(0xFFFF_FFF0), 0, 'beyond the largest request');
      assert.equal(k.arena_alloc(0xFFFF_0000), 0, 'the largest request does not fit after the heap start');
      assert.deepEqual(snapshot(k), before);
      const p = k.arena_alloc(1 << 20);
      assert.notEqual(p, 0, 'usable once the limit is lifted');
      assert.equal(k.arena_free(p), 0);
      assert.equal(k.arena_check(), 0);
    });

    it('fails cleanly when the scope stack cannot grow', () => {
      const m = k.arena_mark();
      // Fill the stack to its capacity (a power of two >= 256 by now), then forbid growth.
      let cap = 256;
      while (cap < m + 1) cap *= 2;
      for (let i = m; i < cap; i++) assert.notEqual(k.arena_alloc_scoped(16), 0);
      // Whatever is still free inside the heap must not serve the new stack (2 * cap * 4 bytes):
      // fill the free lists' big blocks by limiting to the current end and taking what is left.
      const before = snapshot(k);
      k.arena_set_limit(before.end);
      const hoard: number[] = [];
      for (let size = 1 << 16; size >= 16; size >>= 1) {
        for (let p = k.arena_alloc(size); p !== 0; p = k.arena_alloc(size)) hoard.push(p);
      }
      const mid = snapshot(k);
      assert.equal(k.arena_alloc_scoped(16), 0, 'no room for a bigger scope stack');
      assert.deepEqual(snapshot(k), mid);
      k.arena_set_limit(0);
      for (const p of hoard) assert.equal(k.arena_free(p), 0);
      assert.notEqual(k.arena_alloc_scoped(16), 0, 'the stack grows once memory is there');
      k.arena_release(m);
      assert.equal(k.arena_check(), 0);
    });

    for (const seed of [1, 0xC0FFEE, 77]) {
      it(`keeps its contract over 4000 random steps (seed ${seed})`, () => randomSteps(k, seed, 4000));
    }
  });
}
